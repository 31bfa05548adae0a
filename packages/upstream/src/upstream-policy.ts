/**
 * How the BFFs treat one upstream: deadline, pool, breaker and stale cache. Every default lives
 * here, so a reader finds the whole resilience budget of a service in one place.
 */
export interface UpstreamPolicy {
  /** Deadline per call, queueing included; the socket is aborted when it passes. */
  timeoutMs: number;
  /** Keep-alive connections per upstream origin. */
  connections: number;
  /** Calls in flight per upstream; more are refused at once instead of queueing without bound. */
  capacity: number;
  /**
   * Of those, calls one caller (a user, a partner) may have in flight at once. Aliases and
   * batches let one request make hundreds of calls, so without a share one caller within every
   * edge limit held the whole capacity and every other caller was refused.
   */
  callerShare: number;
  /**
   * Calls of one caller waiting for a slot of its share, each at most `timeoutMs`; more are
   * refused at once (UPSTREAM_UNAVAILABLE, or its stale value), so a flood queues nothing large.
   */
  callerQueue: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Calls needed in the window before the breaker may open, so one failure in a lull does not. */
  volumeThreshold: number;
  /** Time the breaker stays open before letting one half-open probe through. */
  resetTimeoutMs: number;
  /** Rolling window over which failures are counted. */
  rollingCountTimeoutMs: number;
  /** Last good values kept per upstream for the stale fallback (LRU beyond that). */
  staleMaxEntries: number;
  /**
   * And the records they may hold, per cache: a list or page counts each record it holds, so
   * clients varying a search or a page cannot fill the cache with 10,000 copies of 100 records.
   */
  staleMaxRecords: number;
  /** Oldest last good value still worth serving when the upstream fails. */
  staleMaxAgeMs: number;
  /**
   * Values one caller may keep in a cache whose keys it chooses (order pages by page size and
   * cursor, product searches by text); its next replaces its own oldest, never another's.
   */
  staleMaxEntriesPerCaller: number;
}

export const DEFAULT_UPSTREAM_POLICY: Readonly<UpstreamPolicy> = Object.freeze({
  timeoutMs: 1000,
  connections: 64,
  capacity: 128,
  // An eighth of the capacity: eight callers at their full share before anyone is refused.
  callerShare: 16,
  callerQueue: 64,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 5000,
  rollingCountTimeoutMs: 10_000,
  staleMaxEntries: 10_000,
  staleMaxRecords: 50_000,
  staleMaxAgeMs: 10 * 60_000,
  // A user's recent pages and searches; at least 100 callers to fill 10,000 entries.
  staleMaxEntriesPerCaller: 100,
});

/** The upstreams the BFFs read from. */
export const UPSTREAM_SERVICES = ['order', 'product', 'user'] as const;
export type UpstreamService = (typeof UPSTREAM_SERVICES)[number];

/** Shared overrides for every upstream plus per-service ones on top. */
export interface UpstreamPolicies {
  all?: Partial<UpstreamPolicy>;
  perService?: Partial<Record<UpstreamService, Partial<UpstreamPolicy>>>;
}

/** Resolve one service's policy: defaults, then shared overrides, then the service's own. */
export function resolvePolicy(
  service: UpstreamService,
  policies: UpstreamPolicies = {},
): Readonly<UpstreamPolicy> {
  return Object.freeze({
    ...DEFAULT_UPSTREAM_POLICY,
    ...policies.all,
    ...policies.perService?.[service],
  });
}
