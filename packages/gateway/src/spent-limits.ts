import { LRUCache } from 'lru-cache';

/**
 * Callers remembered at once as having spent their request limit; beyond it the least recently
 * refused are forgotten, and their next request is decided by the limiter as before.
 */
export const SPENT_LIMITS_MAX = 10_000;

export interface SpentLimit {
  limit: number;
  /** Until the window resets. */
  resetMs: number;
}

/**
 * Which callers have no request left in the current window, so their next requests can be
 * refused before the edge reads, parses or validates them. A spent limit cannot come back within
 * its window (the shared count only grows until the window ends; a refused request is refunded
 * only down to the limit), so refusing early never refuses a request the limiter would admit.
 */
export function createSpentLimits(max = SPENT_LIMITS_MAX) {
  const until = new LRUCache<string, { limit: number; until: number }>({ max });
  return {
    note(key: string, limit: number, resetMs: number): void {
      if (resetMs > 0) until.set(key, { limit, until: Date.now() + resetMs });
    },
    spent(key: string): SpentLimit | undefined {
      const entry = until.get(key);
      if (!entry) return undefined;
      const resetMs = entry.until - Date.now();
      if (resetMs > 0) return { limit: entry.limit, resetMs };
      until.delete(key);
      return undefined;
    },
  };
}
