import { randomUUID } from 'node:crypto';
import { productStreamEpochKey, readModelKeyHead } from '@edge/catalog-events';
import { DEFAULT_REDIS_URL, Redis, type RedisClient, redisNodes } from '@edge/common';
import { readModelKeys } from '@edge/projection';

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
export type TestNames = ReturnType<typeof testNames>;

/** Every key one node holds that matches `pattern`; SCAN only ever sees one node. */
async function scanNode(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Remove everything a test wrote under its own prefix, on one node or every master. */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of redisNodes(redis)) {
    const keys = await scanNode(node, `${prefix}*`);
    // One DEL per key, pipelined: the keys of one prefix may sit in several slots of this node.
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.del(key);
    await pipeline.exec();
  }
}

/** Remove a test's stream, read model and the epoch counter (which sits outside its prefix). */
export async function deleteTestKeys(redis: RedisClient, names: TestNames): Promise<void> {
  await deleteKeysWithPrefix(redis, names.base);
  await redis.del(productStreamEpochKey(names.stream));
}

/** Every product key of one namespace, with the namespace cut out, and its value. */
export async function dumpNamespace(
  redis: RedisClient,
  prefix: string,
  ns: string,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const head = `${readModelKeyHead(prefix)}${ns}:product:`;
  for (const node of redisNodes(redis)) {
    for (const key of await scanNode(node, `${head}*`)) {
      const name = key.slice(head.length);
      out[name] = name.endsWith(':state') ? await node.hgetall(key) : await node.get(key);
    }
  }
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
