import { randomUUID } from 'node:crypto';
import { DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { readModelKeys } from './read-model-keys';

export const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

/** A private corner of the shared Redis for one test: stream and read-model keys. */
export function testNames() {
  const base = `t-rm-${randomUUID().slice(0, 8)}:`;
  return {
    base,
    stream: `${base}product-events`,
    prefix: `${base}rm:`,
    keys: readModelKeys(`${base}rm:`),
  };
}

/** Remove everything a test wrote under its own prefix. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Every product key of one namespace, with the namespace cut out, and its value. */
export async function dumpNamespace(
  redis: Redis,
  prefix: string,
  ns: string,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const head = `${prefix}${ns}:product:`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${head}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = key.slice(head.length);
      out[name] = name.endsWith(':state') ? await redis.hgetall(key) : await redis.get(key);
    }
  } while (cursor !== '0');
  return out;
}

export function newRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** Poll `check` until it returns a value, or fail naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
