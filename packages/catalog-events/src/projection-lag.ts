import type { RedisClient } from '@edge/common';

/** The one read-model key the lag needs (`readModelHeartbeatKey`). */
export interface HeartbeatKeys {
  heartbeat: string;
}

export interface ProjectionLag {
  /**
   * Redis time minus the point the projection recorded as applied through (the newest write-side
   * heartbeat, held back to just before the oldest product change still pending or undelivered
   * in its group), in milliseconds; null when it never recorded one. Both ends are Redis's clock
   * (TIME and stream ids), so no host's clock skew enters the number.
   */
  lagMs: number | null;
}

/**
 * One round trip: Redis TIME and the point the projection last recorded. On a cluster the transaction
 * goes to the node of the heartbeat's slot, so both come from one clock.
 */
export async function readProjectionLag(
  redis: RedisClient,
  keys: HeartbeatKeys,
): Promise<ProjectionLag> {
  const results = (await redis.multi().time().hget(keys.heartbeat, 'ms').exec()) ?? [];
  const [timeResult, heartbeatResult] = results;
  if (timeResult?.[0]) throw timeResult[0];
  if (heartbeatResult?.[0]) throw heartbeatResult[0];
  const time: unknown = timeResult?.[1];
  const seen: unknown = heartbeatResult?.[1];
  if (!Array.isArray(time)) throw new Error('Redis TIME answered no time');
  const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  if (typeof seen !== 'string') return { lagMs: null };
  return { lagMs: Math.max(0, nowMs - Number(seen)) };
}
