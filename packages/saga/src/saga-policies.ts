import type { StepName } from './saga.js';

/**
 * How one class of steps is timed out and retried. There is no attempt cap: a step retries until
 * it succeeds, the provider definitely refuses it, or its horizon ends. A call refused locally
 * (open breaker, pacing) is not an attempt and never ends a horizon.
 */
export interface RetryPolicy {
  /** Per-call timeout; the request is aborted, not just abandoned. */
  timeoutMs: number;
  /** First backoff ceiling; the n-th retry waits up to base * 2^(n-1). */
  baseDelayMs: number;
  /** Cap on a single backoff ceiling (and on the jitter window after a Retry-After). */
  maxDelayMs: number;
  /**
   * How long one step keeps retrying, from its first attempt in the phase (or since a replay).
   * A last attempt is made at the end; a Retry-After beyond it parks the step until then.
   */
  horizonMs: number;
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
  /** Forward steps before the pivot: a short horizon (a customer waits), then compensate. */
  forward: RetryPolicy;
  /** Compensations and steps after the pivot: retried until done or the horizon ends (DLQ). */
  compensation: RetryPolicy;
  /** Horizon of single steps, overriding their class's `horizonMs`. */
  stepHorizonMs: Readonly<Partial<Record<StepName, number>>>;
  breaker: BreakerPolicy;
  /** How long a worker owns a saga without writing; must exceed every call timeout. */
  leaseTtlMs: number;
  /**
   * How often a worker looks for due retries and expired leases; a worker whose last look filled
   * every free slot looks again as soon as a slot frees.
   */
  pollIntervalMs: number;
  /** Sagas a worker drives at once. */
  maxConcurrentSagas: number;
  /** A non-terminal saga not updated for this long is listed as stuck. */
  stuckAfterMs: number;
}

/**
 * How long after a step's first attempt its idempotency key is trusted to still protect a
 * re-send. Providers forget keys after about a day (Stripe: at least 24 h); past this, every
 * attempt of an undo first looks the forward effect up by key (and sees whether its own undo
 * already landed), so an earlier attempt that took effect unanswered is never undone twice.
 * Half a day leaves a margin below the shortest retention we know of.
 */
export const PROVIDER_KEY_TRUST_MS = 12 * 60 * 60_000;

export const DEFAULT_FORWARD_POLICY: RetryPolicy = Object.freeze({
  timeoutMs: 3_000,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  horizonMs: 10_000,
});

export const DEFAULT_COMPENSATION_POLICY: RetryPolicy = Object.freeze({
  timeoutMs: 5_000,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  horizonMs: 24 * 60 * 60_000,
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
  stepHorizonMs: Object.freeze({}),
  breaker: DEFAULT_BREAKER_POLICY,
  leaseTtlMs: 15_000,
  pollIntervalMs: 200,
  maxConcurrentSagas: 200,
  stuckAfterMs: 60_000,
});

export interface SagaPolicyOverrides {
  forward?: Partial<RetryPolicy>;
  compensation?: Partial<RetryPolicy>;
  stepHorizonMs?: Partial<Record<StepName, number>>;
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
    stepHorizonMs: Object.freeze({ ...d.stepHorizonMs, ...overrides.stepHorizonMs }),
    breaker: Object.freeze({ ...d.breaker, ...overrides.breaker }),
    leaseTtlMs: overrides.leaseTtlMs ?? d.leaseTtlMs,
    pollIntervalMs: overrides.pollIntervalMs ?? d.pollIntervalMs,
    maxConcurrentSagas: overrides.maxConcurrentSagas ?? d.maxConcurrentSagas,
    stuckAfterMs: overrides.stuckAfterMs ?? d.stuckAfterMs,
  });
  // Every call of one step's chain runs under one lease (renewed while a call is in flight):
  // if the worst case could outlive it, another worker could send the same request meanwhile.
  const chainMs = worstCaseChainMs(policies);
  if (chainMs >= policies.leaseTtlMs) {
    throw new Error(
      `leaseTtlMs (${policies.leaseTtlMs}) must exceed the worst-case step chain (${chainMs} ms: ` +
        `${CALLS_PER_RUN.compensation} compensation calls of ${policies.compensation.timeoutMs} ms, ` +
        `or ${CALLS_PER_RUN.forward} forward call of ${policies.forward.timeoutMs} ms)`,
    );
  }
  return policies;
}

/**
 * Most provider calls one run of a step makes: a forward step makes its request; a compensation
 * may verify by idempotency key first, then undo (see `runStep` in order-saga.ts).
 */
export const CALLS_PER_RUN = Object.freeze({ forward: 1, compensation: 2 });

/** The longest one run of any step may take, all its calls timing out. */
export function worstCaseChainMs(policies: Pick<SagaPolicies, 'forward' | 'compensation'>): number {
  return Math.max(
    CALLS_PER_RUN.forward * policies.forward.timeoutMs,
    CALLS_PER_RUN.compensation * policies.compensation.timeoutMs,
  );
}
