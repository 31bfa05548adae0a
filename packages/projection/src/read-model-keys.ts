import { readModelHeartbeatKey, readModelKeyHead } from '@edge/catalog-events';
import type { ProductViewName } from './read-model-views.js';

/**
 * The key layout of the read model. Product data lives in a namespace (`v1`, `r1`, ...) named
 * by the `ns` key, so a rebuild can fill a fresh namespace and swap it in with one write.
 *
 * Every key shares one hash tag, so in a Redis Cluster the whole read model sits in one slot.
 * That is what keeps the scripts atomic there: the apply script checks the `ns` key in the same
 * call that writes a product's views (so the live projector never writes into a namespace a
 * rebuild just replaced), the swap compares two namespaces' meta and sets `ns`, and `getMany`
 * is one MGET. A tag per product or per namespace would split each of those across slots. The
 * cost is that one master holds the read model (a catalogue's views, not a sharding problem).
 */
export function readModelKeys(prefix: string) {
  const head = readModelKeyHead(prefix);
  return {
    /** Name of the namespace readers use now. */
    ns: `${head}ns`,
    /** Counter that names new namespaces. */
    nsSeq: `${head}ns-seq`,
    /** Hash: `ms`, the time (Redis clock) up to which every product change is applied. */
    heartbeat: readModelHeartbeatKey(prefix),
    /** Capped stream of entries that did not decode: `entry` (stream id), `product`, `event`. */
    deadLetters: `${head}dead-letters`,
    /** Hash per namespace: `lastEventId`, `applied`, `skipped`, `invalid`. */
    meta: (ns: string) => `${head}${ns}:meta`,
    /** Hash per product: `epoch`, `version`, `eventId` of the state its views show. */
    state: (ns: string, id: string) => `${head}${ns}:product:${id}:state`,
    /** JSON string per product and view. */
    view: (ns: string, id: string, view: ProductViewName) => `${head}${ns}:product:${id}:${view}`,
    /** Pattern that matches every key of one namespace (for deleting a replaced one). */
    namespacePattern: (ns: string) => `${head}${ns}:*`,
  };
}
export type ReadModelKeys = ReturnType<typeof readModelKeys>;
