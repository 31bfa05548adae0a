import { DEFAULT_REDIS_URL, type RedisClient, unlinkKeysMatching } from '@edge/common';

export { scanNode } from '@edge/common';

/** The Redis every test shares: `REDIS_URL` or the local default. */
export const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

/** Remove everything a test wrote under its own prefix, on one node or every cluster master. */
export function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<void> {
  return unlinkKeysMatching(redis, `${prefix}*`);
}
