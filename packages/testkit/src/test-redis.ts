import { DEFAULT_REDIS_URL, type Redis } from '@edge/common';

/** The Redis every test shares: `REDIS_URL` or the local default. */
export const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

/** Remove everything a test wrote under its own prefix. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
