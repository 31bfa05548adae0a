import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RedisClient } from '@edge/common';

export type ApiVersion = 'v1' | 'v2';
export type Tier = 'free' | 'pro';

/** A partner key as stored: never the secret, only its SHA-256. */
export interface PartnerKeyRecord {
  keyId: string;
  partnerId: string;
  versions: ApiVersion[];
  tier: Tier;
  secretHash: string;
  createdAt: string;
  /** ISO time after which the key is refused; null = no expiry. Set on rotation for the grace period. */
  expiresAt: string | null;
  revokedAt: string | null;
  /** The key that replaced this one on rotation. */
  replacedBy: string | null;
}

/** Storage port for partner keys; the gateway reads it, the CLI writes it. */
export interface KeyStore {
  get(keyId: string): Promise<PartnerKeyRecord | undefined>;
  put(record: PartnerKeyRecord): Promise<void>;
  list(): Promise<PartnerKeyRecord[]>;
  close(): Promise<void>;
}

const REDIS_HASH = 'edge:partner-keys';

export function createRedisKeyStore(redis: RedisClient): KeyStore {
  return {
    get: async (keyId) => {
      const raw = await redis.hget(REDIS_HASH, keyId);
      return raw ? (JSON.parse(raw) as PartnerKeyRecord) : undefined;
    },
    put: async (record) => {
      await redis.hset(REDIS_HASH, record.keyId, JSON.stringify(record));
    },
    list: async () =>
      Object.values(await redis.hgetall(REDIS_HASH)).map(
        (raw) => JSON.parse(raw) as PartnerKeyRecord,
      ),
    close: async () => {
      redis.disconnect();
    },
  };
}

/**
 * Embedded store: one JSON file, re-read on every lookup so the CLI's changes reach a running
 * gateway, and written through a rename so a reader never sees half a file.
 */
export function createFileKeyStore(file: string): KeyStore {
  const readAll = (): Record<string, PartnerKeyRecord> => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, PartnerKeyRecord>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  };
  return {
    get: async (keyId) => readAll()[keyId],
    put: async (record) => {
      const all = readAll();
      all[record.keyId] = record;
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
      renameSync(tmp, file);
    },
    list: async () => Object.values(readAll()),
    close: async () => {},
  };
}
