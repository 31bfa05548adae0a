import type { RedisClient } from './redis.js';

/** What a threshold alert last told the channel: whether it is firing, and when it last sent. */
export interface AlertMemory {
  firing: boolean;
  lastSentAt: number;
}

/** One alert's memory, shared by every process that may deliver it. */
export interface AlertMemoryStore {
  read(): Promise<AlertMemory>;
  write(memory: AlertMemory): Promise<void>;
}

/**
 * Alert memories in one Redis hash (`key`), a field per alert. Written only after a delivery,
 * so a page nobody received is not remembered as sent. Kept for a month after the last
 * delivery: a firing alert repeats well within that, and a resolved one needs nothing.
 */
export function redisAlertMemory(redis: RedisClient, key: string) {
  const KEEP_S = 30 * 24 * 3600;
  return (field: string): AlertMemoryStore => ({
    async read() {
      const raw = await redis.hget(key, field);
      if (raw === null) return { firing: false, lastSentAt: 0 };
      const parsed = JSON.parse(raw) as Partial<AlertMemory>;
      return { firing: parsed.firing === true, lastSentAt: Number(parsed.lastSentAt) || 0 };
    },
    async write(memory) {
      await redis.multi().hset(key, field, JSON.stringify(memory)).expire(key, KEEP_S).exec();
    },
  });
}

/** Makes the memory of the alert named `field`; undefined where one process alone delivers. */
export type AlertMemories = ((field: string) => AlertMemoryStore) | undefined;
