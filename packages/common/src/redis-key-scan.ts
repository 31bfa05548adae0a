import { type Redis, type RedisClient, redisNodes } from './redis.js';

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

/**
 * Remove every key matching `pattern`, on one node or on every cluster master (SCAN sees one
 * node). For test and benchmark namespaces and dev-stack cleanup, never for live data: keys
 * written while the scan runs may survive it.
 */
export async function unlinkKeysMatching(redis: RedisClient, pattern: string): Promise<void> {
  // A cluster client knows its masters only once it has loaded the slot map.
  await redis.ping();
  for (const node of redisNodes(redis)) {
    const keys = await scanNode(node, pattern);
    // One UNLINK per key, pipelined: the keys of one pattern may sit in several slots of a node.
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.unlink(key);
    await pipeline.exec();
  }
}
