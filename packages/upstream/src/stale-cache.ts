import { LRUCache } from 'lru-cache';
import type { UpstreamMetrics } from './upstream-metrics.js';
import { DEFAULT_UPSTREAM_POLICY } from './upstream-policy.js';

export interface StaleCacheOptions {
  service: string;
  /** Values kept; the least recently used go first. Default from DEFAULT_UPSTREAM_POLICY. */
  maxEntries?: number;
  /** Records those values hold (see `recordsIn`). Default from DEFAULT_UPSTREAM_POLICY. */
  maxRecords?: number;
  /** Oldest value still served. Default from DEFAULT_UPSTREAM_POLICY. */
  maxAgeMs?: number;
  /**
   * Values one caller may have put in the cache; its next one replaces its own oldest. Off
   * (unbounded) by default: set for caches whose keys a client chooses (page sizes, search text).
   */
  maxEntriesPerCaller?: number;
  metrics?: UpstreamMetrics;
  /** Clock, replaceable in tests. */
  now?: () => number;
}

/**
 * Records a value holds, counted without serialising it: a list's or a page's items, else one.
 * Records are the unit because their number, not their size, is what a client can multiply.
 */
export function recordsIn(value: unknown): number {
  const items = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object' && 'items' in value
      ? (value as { items: unknown }).items
      : undefined;
  return Array.isArray(items) ? Math.max(1, items.length) : 1;
}

export interface Recalled<T> {
  value: T;
  ageMs: number;
}

/**
 * Last good value per key for one upstream, bounded in entries and age. It is read only after a
 * call failed, never instead of calling, so fresh data always wins while the upstream answers.
 * Values are public catalogue or the caller's own records keyed by id; entries are checked
 * against the caller by the resolvers exactly as fresh ones are.
 */
export class StaleCache<T> {
  readonly service: string;
  private readonly lru: LRUCache<string, { value: T; storedAt: number; by: string | undefined }>;
  /** Per caller, the keys it remembered, oldest first; only with `maxEntriesPerCaller`. */
  private readonly byCaller: LRUCache<string, string[]> | undefined;
  private readonly maxEntriesPerCaller: number | undefined;
  private readonly maxAgeMs: number;
  private readonly metrics: UpstreamMetrics | undefined;
  private readonly now: () => number;

  constructor(options: StaleCacheOptions) {
    this.service = options.service;
    this.lru = new LRUCache({
      max: options.maxEntries ?? DEFAULT_UPSTREAM_POLICY.staleMaxEntries,
      maxSize: options.maxRecords ?? DEFAULT_UPSTREAM_POLICY.staleMaxRecords,
      sizeCalculation: (entry) => recordsIn(entry.value),
    });
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_UPSTREAM_POLICY.staleMaxAgeMs;
    this.maxEntriesPerCaller = options.maxEntriesPerCaller;
    this.byCaller =
      options.maxEntriesPerCaller === undefined
        ? undefined
        : new LRUCache({ max: options.maxEntries ?? DEFAULT_UPSTREAM_POLICY.staleMaxEntries });
    this.metrics = options.metrics;
    this.now = options.now ?? Date.now;
  }

  /**
   * With a per-caller bound, `caller`'s new key pushes out its own oldest, not the least
   * recently used of everyone: thirty page sizes a request at 600 requests a minute let one
   * user evict every other caller's last good values, the ones a real outage would need. The
   * oldest goes only if no one remembered it since (a shared search stays).
   */
  remember(key: string, value: T, caller?: string): void {
    this.lru.set(key, { value, storedAt: this.now(), by: caller });
    const max = this.maxEntriesPerCaller;
    if (caller === undefined || max === undefined || !this.byCaller) return;
    const keys = this.byCaller.get(caller) ?? [];
    if (keys.includes(key)) return;
    keys.push(key);
    while (keys.length > max) {
      const oldest = keys.shift() as string;
      if (this.lru.peek(oldest)?.by === caller) this.lru.delete(oldest);
    }
    this.byCaller.set(caller, keys);
  }

  recall(key: string): Recalled<T> | undefined {
    const entry = this.lru.get(key);
    const ageMs = entry ? this.now() - entry.storedAt : 0;
    const hit = entry !== undefined && ageMs <= this.maxAgeMs;
    this.metrics?.staleCache.inc({ service: this.service, result: hit ? 'hit' : 'miss' });
    return hit ? { value: entry.value, ageMs } : undefined;
  }
}
