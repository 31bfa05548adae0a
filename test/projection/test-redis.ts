import { randomUUID } from 'node:crypto';
import {
  productHeartbeatStreamKey,
  productStreamEpochKey,
  readModelKeyHead,
} from '@edge/catalog-events';
import { Redis, type RedisClient, redisNodes } from '@edge/common';
import { readModelKeys } from '@edge/projection';
import { deleteKeysWithPrefix, REDIS_URL, scanNode } from '@edge/testkit';

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

/**
 * Remove a test's stream, read model, and the epoch counter and heartbeat stream (which sit
 * outside its prefix, in the stream's slot).
 */
export async function deleteTestKeys(redis: RedisClient, names: TestNames): Promise<void> {
  await deleteKeysWithPrefix(redis, names.base);
  await redis.del(productStreamEpochKey(names.stream), productHeartbeatStreamKey(names.stream));
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
