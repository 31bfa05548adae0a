import type { CallOptions } from './call-options.js';
import type { StaleCache } from './stale-cache.js';
import { UpstreamError } from './upstream-error.js';

/** A typed read of one thing from an upstream. */
export type Read<A, T> = (arg: A, call: CallOptions) => Promise<T>;

/** A batch read: one result per id, in id order, an Error value for a missing id. */
export type ReadMany<T> = (ids: readonly string[], call: CallOptions) => Promise<(T | Error)[]>;

/** Only the upstream failing earns a stale answer; a 4xx is a real answer and passes through. */
const upstreamFailed = (err: unknown) => !(err instanceof UpstreamError && err.isClientError);

/**
 * Serve the last good value for the same key when the read fails (breaker open, timeout, 5xx),
 * reporting it through `call.onStale`; with none cached the failure passes through.
 */
export function withStaleCache<A, T>(
  read: Read<A, T>,
  cache: StaleCache<T>,
  keyOf: (arg: A) => string,
): Read<A, T> {
  return async (arg, call) => {
    const key = keyOf(arg);
    try {
      const value = await read(arg, call);
      cache.remember(key, value, call.caller);
      return value;
    } catch (err) {
      if (!upstreamFailed(err)) throw err;
      const stale = cache.recall(key);
      if (!stale) throw err;
      call.onStale?.({ service: cache.service, ageMs: stale.ageMs });
      return stale.value;
    }
  };
}

/**
 * The batch form, cached per id rather than per batch: a later batch that mixes ids differently
 * still finds each one. When the batch fails, every id gets its last good value or the failure.
 */
export function withStaleBatch<T>(readMany: ReadMany<T>, cache: StaleCache<T>): ReadMany<T> {
  return async (ids, call) => {
    let results: (T | Error)[];
    try {
      results = await readMany(ids, call);
    } catch (err) {
      if (!upstreamFailed(err)) throw err;
      const failure = err instanceof Error ? err : new Error(String(err));
      return ids.map((id) => {
        const stale = cache.recall(id);
        if (!stale || call.mayServeStale?.(cache.service, stale.value) === false) return failure;
        call.onStale?.({ service: cache.service, ageMs: stale.ageMs });
        return stale.value;
      });
    }
    results.forEach((result, i) => {
      const id = ids[i];
      if (id !== undefined && !(result instanceof Error)) cache.remember(id, result);
    });
    return results;
  };
}
