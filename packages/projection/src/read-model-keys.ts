import type { ProductViewName } from './read-model-views';

/** Default prefix of every read-model key. */
export const DEFAULT_READ_MODEL_PREFIX = 'rm:';

/**
 * The key layout of the read model. Product data lives in a namespace (`v1`, `v2`, ...) named by
 * the `ns` key, so a rebuild can fill a fresh namespace and swap it in with one write. Every key
 * of one product carries the hash tag `{id}`, so in a Redis Cluster the views and the version
 * of a product share a slot and the apply script stays single-slot per product.
 */
export function readModelKeys(prefix: string) {
  return {
    /** Name of the namespace readers use now. */
    ns: `${prefix}ns`,
    /** Counter that names new namespaces. */
    nsSeq: `${prefix}ns-seq`,
    /** Hash: `id`, `ms` of the newest heartbeat the projection applied (Redis clock). */
    heartbeat: `${prefix}heartbeat`,
    /** Hash per namespace: `lastEventId`, `applied`, `skipped`, `invalid`. */
    meta: (ns: string) => `${prefix}${ns}:meta`,
    /** Hash per product: `epoch`, `version`, `eventId` of the state its views show. */
    state: (ns: string, id: string) => `${prefix}${ns}:product:{${id}}:state`,
    /** JSON string per product and view. */
    view: (ns: string, id: string, view: ProductViewName) =>
      `${prefix}${ns}:product:{${id}}:${view}`,
    /** Pattern that matches every key of one namespace (for deleting a replaced one). */
    namespacePattern: (ns: string) => `${prefix}${ns}:*`,
  };
}
export type ReadModelKeys = ReturnType<typeof readModelKeys>;
