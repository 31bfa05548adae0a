import type { ReadMany } from './with-stale-cache.js';

/** Why a read went to the service instead of the read model. */
export type ReadModelFallbackReason =
  /** The read model is not fresh: projection behind, down or never ran, or Redis unreachable. */
  | 'stale'
  /** The read model has no such entity (e.g. created but not yet projected). */
  | 'miss'
  /** The read model failed while reading. */
  | 'error';

/**
 * The port a read model offers to this layer, so `upstream` knows nothing of Redis or of the
 * projection's view shapes: the adapter maps its views to the domain type.
 */
export interface EntityReadModel<T> {
  /** False whenever its answers may be older than the agreed lag: then nothing is read from it. */
  isFresh(): Promise<boolean>;
  /** One result per id in order (undefined where absent) and the ids it does not have. */
  getMany(ids: readonly string[]): Promise<{ items: (T | undefined)[]; misses: readonly string[] }>;
}

export interface ReadModelHooks {
  /** Called once per batch that sent `count` ids to the service, with why. */
  onFallback(reason: ReadModelFallbackReason, count: number): void;
}

/**
 * Read from the read model first, and only when it is fresh; everything it cannot answer
 * (misses, or the whole batch when it is stale or failing) goes to `readMany` in one call, so a
 * batch still makes at most one call to the service. `readMany` is the resilient service read
 * (breaker, stale cache), so a fallback answers exactly as the service path did before.
 */
export function withReadModel<T>(
  readMany: ReadMany<T>,
  readModel: EntityReadModel<T>,
  hooks: ReadModelHooks,
): ReadMany<T> {
  return async (ids, call) => {
    let items: (T | undefined)[] = [];
    let misses: readonly string[] = ids;
    let reason: ReadModelFallbackReason = 'stale';
    if (await readModel.isFresh()) {
      try {
        ({ items, misses } = await readModel.getMany(ids));
        reason = 'miss';
      } catch {
        // Counted as `error` by the hook; the Redis client logs the outage itself, once.
        reason = 'error';
      }
    }
    if (misses.length === 0) {
      return ids.map((id, i) => items[i] ?? new Error(`read model returned no ${id}`));
    }
    hooks.onFallback(reason, misses.length);
    const fromService = new Map<string, T | Error>();
    try {
      const results = await readMany(misses, call);
      misses.forEach((id, i) => {
        const result = results[i];
        if (result !== undefined) fromService.set(id, result);
      });
    } catch (err) {
      // Per-id errors rather than a rejected batch: what the read model served still answers.
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const id of misses) fromService.set(id, failure);
    }
    return ids.map(
      (id, i) => items[i] ?? fromService.get(id) ?? new Error(`no answer for ${id} in its batch`),
    );
  };
}
