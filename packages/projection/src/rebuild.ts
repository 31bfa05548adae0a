import { type Logger, type RedisClient, redisNodes } from '@edge/common';
import type { ReadModelKeys } from './read-model-keys.js';
import { applyEntries, liveNamespace, swapNamespace } from './read-model-writer.js';
import { toStreamEntries } from './stream-entries.js';

export const DEFAULT_REBUILD_OPTIONS = Object.freeze({ batchSize: 1000, dropOldAfterMs: 5_000 });

export interface RebuildOptions {
  redis: RedisClient;
  stream: string;
  keys: ReadModelKeys;
  log: Logger;
  /** Entries per XRANGE; default 1000. */
  batchSize?: number;
  /**
   * Keep the replaced namespace this long before deleting it, so a reader that cached the old
   * namespace name (ProductReadModel caches it for 1 s) does not see misses; default 5 s.
   */
  dropOldAfterMs?: number;
}

export interface RebuildResult {
  namespace: string;
  replaced: string;
  entries: number;
}

/**
 * Replay the whole stream from 0 into a fresh namespace, then swap it in. The live projector
 * may keep applying meanwhile: the swap only happens once the new namespace has seen every event
 * the live one has (else it reads on), and the live projector re-applies a batch that raced the
 * swap to the new namespace, where version checks make the repeat harmless.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildResult> {
  const { redis, keys, stream, log } = options;
  const batchSize = options.batchSize ?? DEFAULT_REBUILD_OPTIONS.batchSize;
  const dropOldAfterMs = options.dropOldAfterMs ?? DEFAULT_REBUILD_OPTIONS.dropOldAfterMs;
  const namespace = `r${await redis.incr(keys.nsSeq)}`;
  let cursor = '-';
  let entries = 0;
  for (;;) {
    const raw = await redis.xrange(stream, cursor, '+', 'COUNT', batchSize);
    const batch = toStreamEntries(raw);
    const last = batch.at(-1);
    if (last) {
      await applyEntries(redis, keys, namespace, batch, undefined);
      entries += batch.length;
      cursor = `(${last.id}`;
    }
    if (batch.length === batchSize) continue;
    const replaced = await liveNamespace(redis, keys);
    const swapped = await swapNamespace(redis, keys, replaced, namespace);
    if (swapped === 'behind' || swapped === 'moved') continue;
    log.info({ namespace, replaced, entries }, 'read model rebuilt and swapped in');
    if (dropOldAfterMs > 0) await new Promise((resolve) => setTimeout(resolve, dropOldAfterMs));
    await deleteNamespace(redis, keys, replaced);
    return { namespace, replaced, entries };
  }
}

/** SCAN sees one node's keys, so on a cluster ask every master (only one holds the slot). */
async function deleteNamespace(redis: RedisClient, keys: ReadModelKeys, ns: string): Promise<void> {
  for (const node of redisNodes(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(
        cursor,
        'MATCH',
        keys.namespacePattern(ns),
        'COUNT',
        1000,
      );
      cursor = next;
      if (found.length > 0) await node.unlink(...found);
    } while (cursor !== '0');
  }
}
