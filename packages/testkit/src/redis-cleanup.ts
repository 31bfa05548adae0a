import { DEFAULT_REDIS_URL, type Redis, type RedisClient, redisNodes } from '@edge/common';

/** The Redis every test shares: `REDIS_URL` or the local default. */
export const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

/** Every key one node holds that matches `pattern`; SCAN only ever sees one node. */
export async function scanNode(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Remove everything a test wrote under its own prefix, on one node or every cluster master. */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of redisNodes(redis)) {
    const keys = await scanNode(node, `${prefix}*`);
    // One DEL per key, pipelined: the keys of one prefix may sit in several slots of this node.
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.del(key);
    await pipeline.exec();
  }
}
