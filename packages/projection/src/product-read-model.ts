import { DEFAULT_READ_MODEL_PREFIX, readProjectionLag } from '@edge/catalog-events';
import type { RedisClient } from '@edge/common';
import { readModelKeys } from './read-model-keys.js';
import type { ProductViewName, ProductViews } from './read-model-views.js';

export const DEFAULT_READ_MODEL_OPTIONS = Object.freeze({
  prefix: DEFAULT_READ_MODEL_PREFIX,
  // A few missed heartbeats (services-mock beats every 2 s), not the 30 s paging threshold.
  lagThresholdMs: 5_000,
  namespaceCacheMs: 1_000,
  freshnessCacheMs: 1_000,
});

export interface ProductReadModelOptions {
  /** Key prefix of the read model; default `rm:`. */
  prefix?: string;
  /**
   * Lag above which `isFresh()` answers false and reads fall back to the service; default 5 s.
   * Independent of the projection lag alert (30 s): falling back is cheap and keeps prices
   * right, paging a human is not.
   */
  lagThresholdMs?: number;
  /** How long the live namespace name is cached; default 1 s (a rebuild keeps the old 5 s). */
  namespaceCacheMs?: number;
  /** How long one freshness answer is reused, so a check is not a round trip per request. */
  freshnessCacheMs?: number;
  /** Millisecond clock for the caches; default Date.now. */
  now?: () => number;
}

export interface ReadModelBatch<V> {
  /** One entry per requested id, in order; undefined where the read model has no such product. */
  items: (V | undefined)[];
  /** The ids that were not found: ask the product service for these. */
  misses: string[];
}

export interface ProductReadModel {
  /**
   * One round trip (MGET) for a batch of ids; on a cluster too, since every read-model key shares
   * one hash tag. Throws when Redis fails: fall back on that too.
   */
  getMany<V extends ProductViewName>(
    ids: readonly string[],
    view: V,
  ): Promise<ReadModelBatch<ProductViews[V]>>;
  /**
   * True when the projection applied a heartbeat within the lag threshold. False when it is
   * behind, down, never ran, or Redis does not answer: in every such case read the service.
   */
  isFresh(): Promise<boolean>;
  /** The last measured lag in ms (null before the first heartbeat), for logs and metrics. */
  lagMs(): Promise<number | null>;
}

/**
 * The BFFs' read side of the catalogue: the denormalised view per surface, one key per product
 * and view. The client never writes; the Redis connection is the caller's (use a fail-fast one,
 * `createFailFastRedis`, so an outage falls back at once instead of queueing).
 */
export function createProductReadModel(
  redis: RedisClient,
  options: ProductReadModelOptions = {},
): ProductReadModel {
  const keys = readModelKeys(options.prefix ?? DEFAULT_READ_MODEL_OPTIONS.prefix);
  const threshold = options.lagThresholdMs ?? DEFAULT_READ_MODEL_OPTIONS.lagThresholdMs;
  const nsCacheMs = options.namespaceCacheMs ?? DEFAULT_READ_MODEL_OPTIONS.namespaceCacheMs;
  const freshCacheMs = options.freshnessCacheMs ?? DEFAULT_READ_MODEL_OPTIONS.freshnessCacheMs;
  const now = options.now ?? Date.now;
  let ns: { name: string | null; until: number } = { name: null, until: 0 };
  let lag: { value: Promise<number | null>; at: number } | undefined;

  const namespace = async (): Promise<string | null> => {
    if (now() < ns.until) return ns.name;
    ns = { name: await redis.get(keys.ns), until: now() + nsCacheMs };
    return ns.name;
  };

  /** The last measurement and when it was taken (reused for `freshnessCacheMs`). */
  const measurement = (): { value: Promise<number | null>; at: number } => {
    if (lag && now() < lag.at + freshCacheMs) return lag;
    // Shared by concurrent callers; a failure is not cached, so the next call asks again.
    const value = readProjectionLag(redis, keys).then((l) => l.lagMs);
    const taken = { value, at: now() };
    lag = taken;
    value.catch(() => {
      if (lag === taken) lag = undefined;
    });
    return taken;
  };
  const measuredLag = () => measurement().value;

  return {
    async getMany(ids, view) {
      const name = await namespace();
      if (name === null || ids.length === 0) {
        return { items: ids.map(() => undefined), misses: [...ids] };
      }
      const values = await redis.mget(...ids.map((id) => keys.view(name, id, view)));
      const items = values.map((v) => (v === null ? undefined : JSON.parse(v)));
      const misses = ids.filter((_, i) => items[i] === undefined);
      return { items, misses };
    },
    async isFresh() {
      try {
        const { value, at } = measurement();
        const measured = await value;
        // A cached measurement has aged since it was taken: the read model has too. Without
        // this a reused answer would serve up to freshnessCacheMs past the threshold.
        return measured !== null && measured + (now() - at) <= threshold;
      } catch {
        return false;
      }
    },
    lagMs: measuredLag,
  };
}
