/** How one class of calls is timed out and retried. */
export interface RetryPolicy {
  /** Per-call timeout; the request is aborted, not just abandoned. */
  timeoutMs: number;
  /** First backoff ceiling; the n-th retry waits up to base * 2^(n-1). */
  baseDelayMs: number;
  /** Cap on a single backoff ceiling. */
  maxDelayMs: number;
  /** Attempts (calls) per step before giving up, counted since the phase began or a replay. */
  maxAttempts: number;
  /** Wall-clock budget for the phase, from its start (or a replay) to the last allowed call. */
  budgetMs: number;
}

/** opossum settings, one breaker per provider. */
export interface BreakerPolicy {
  /** Failure percentage in the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** How long an open breaker waits before a half-open probe. */
  resetTimeoutMs: number;
  /** Length of the rolling statistics window. */
  rollingCountTimeoutMs: number;
  /** Calls in the window before the breaker may open, so one failure in a quiet period cannot. */
  volumeThreshold: number;
}

export interface SagaPolicies {
  /** Forward steps before the pivot: short, bounded retries, then compensate. */
  forward: RetryPolicy;
  /** Compensations and the final confirm: retried until done or the budget runs out (DLQ). */
  compensation: RetryPolicy;
  breaker: BreakerPolicy;
  /** How long a worker owns a saga without writing; must exceed every call timeout. */
  leaseTtlMs: number;
  /** How often a worker looks for due retries and expired leases. */
  pollIntervalMs: number;
  /** Sagas a worker drives at once. */
  maxConcurrentSagas: number;
  /** A non-terminal saga not updated for this long is listed as stuck. */
  stuckAfterMs: number;
}

export const DEFAULT_FORWARD_POLICY: RetryPolicy = Object.freeze({
  timeoutMs: 3_000,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxAttempts: 3,
  budgetMs: 10_000,
});

export const DEFAULT_COMPENSATION_POLICY: RetryPolicy = Object.freeze({
  timeoutMs: 5_000,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxAttempts: 25,
  budgetMs: 15 * 60_000,
});

export const DEFAULT_BREAKER_POLICY: BreakerPolicy = Object.freeze({
  errorThresholdPercentage: 50,
  resetTimeoutMs: 2_000,
  rollingCountTimeoutMs: 10_000,
  volumeThreshold: 10,
});

export const DEFAULT_SAGA_POLICIES: SagaPolicies = Object.freeze({
  forward: DEFAULT_FORWARD_POLICY,
  compensation: DEFAULT_COMPENSATION_POLICY,
  breaker: DEFAULT_BREAKER_POLICY,
  leaseTtlMs: 15_000,
  pollIntervalMs: 200,
  maxConcurrentSagas: 200,
  stuckAfterMs: 60_000,
});

export interface SagaPolicyOverrides {
  forward?: Partial<RetryPolicy>;
  compensation?: Partial<RetryPolicy>;
  breaker?: Partial<BreakerPolicy>;
  leaseTtlMs?: number;
  pollIntervalMs?: number;
  maxConcurrentSagas?: number;
  stuckAfterMs?: number;
}

/** Merge overrides onto the defaults once, and refuse combinations that break ownership. */
export function resolvePolicies(overrides: SagaPolicyOverrides = {}): SagaPolicies {
  const d = DEFAULT_SAGA_POLICIES;
  const policies: SagaPolicies = Object.freeze({
    forward: Object.freeze({ ...d.forward, ...overrides.forward }),
    compensation: Object.freeze({ ...d.compensation, ...overrides.compensation }),
    breaker: Object.freeze({ ...d.breaker, ...overrides.breaker }),
    leaseTtlMs: overrides.leaseTtlMs ?? d.leaseTtlMs,
    pollIntervalMs: overrides.pollIntervalMs ?? d.pollIntervalMs,
    maxConcurrentSagas: overrides.maxConcurrentSagas ?? d.maxConcurrentSagas,
    stuckAfterMs: overrides.stuckAfterMs ?? d.stuckAfterMs,
  });
  // A call that outlives the lease could overlap with another worker's re-send of the same step.
  const longestCall = Math.max(policies.forward.timeoutMs, policies.compensation.timeoutMs);
  if (longestCall >= policies.leaseTtlMs) {
    throw new Error(
      `leaseTtlMs (${policies.leaseTtlMs}) must exceed every call timeout (${longestCall})`,
    );
  }
  return policies;
}
