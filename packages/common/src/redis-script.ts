import { createHash } from 'node:crypto';
import type { RedisClient } from './redis.js';

/** A Lua script run by its SHA1, sent in full only when the server does not know it yet. */
export type RedisScript = (
  redis: RedisClient,
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * EVALSHA first: a hot script (a saga write per step, a pacing token per call) is kilobytes of
 * Lua that EVAL would send, and Redis hash, on every call. A server that lost its script cache
 * (restart, SCRIPT FLUSH, a cluster node seen for the first time) answers NOSCRIPT once and gets
 * the source; that is safe because a NOSCRIPT reply means the script did not run.
 */
export function defineScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}
