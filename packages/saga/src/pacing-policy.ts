import type { ProviderName } from './provider-client.js';
import type { BucketLimit } from './token-bucket.js';

/** What an operator sets per provider: its published limit, and optionally its burst. */
export interface ProviderRateLimit {
  /** Calls per second the provider publishes (per account when calls name one). */
  ratePerSec: number;
  /** Calls that may leave back to back after a quiet period; default a tenth of a second's worth. */
  burst?: number;
}

/**
 * Published limits of the services we call. services-mock publishes 2,000 calls/s per service
 * (docs/services-mock.md); against a real provider set its own number, e.g. Stripe's 100/s in
 * live mode, through `SAGA_PACE_<PROVIDER>_RATE`.
 */
export const DEFAULT_PROVIDER_RATE_LIMITS: Readonly<Record<ProviderName, ProviderRateLimit>> =
  Object.freeze({
    order: { ratePerSec: 2_000 },
    inventory: { ratePerSec: 2_000 },
    payment: { ratePerSec: 2_000 },
    shipping: { ratePerSec: 2_000 },
  });

/** Share of the published rate regained per second after a 429: back to full in ten seconds. */
export const DEFAULT_RECOVERY_SHARE_PER_SEC = 0.1;
/** A 429 halves the rate (the classic AIMD decrease). */
export const DEFAULT_DECREASE_FACTOR = 0.5;
/** The rate never falls below this share of the published rate. */
export const DEFAULT_MIN_RATE_SHARE = 0.05;
/** Forward work is held off this long past a waiting compensation's own wait. */
export const DEFAULT_PRIORITY_HOLD_MS = 1_000;
/** Pause after a 429 that carried no Retry-After. */
export const DEFAULT_THROTTLE_PAUSE_MS = 1_000;
/**
 * Longest pause one 429 imposes on every worker: a Retry-After of a day would otherwise stop
 * every charge and refund for a day on one answer. The saga that got it still waits (or parks)
 * for the whole Retry-After; the others send one call after this, and a provider still limiting
 * answers 429 again: at most one 429 per provider per five minutes.
 */
export const MAX_THROTTLE_PAUSE_MS = 5 * 60_000;

/** The bucket of one provider, derived from its published limit. */
export function bucketLimitFor(limit: ProviderRateLimit): BucketLimit {
  const rate = limit.ratePerSec;
  return Object.freeze({
    ratePerSec: rate,
    burst: limit.burst ?? Math.max(1, Math.ceil(rate / 10)),
    minRatePerSec: Math.max(rate * DEFAULT_MIN_RATE_SHARE, Math.min(rate, 1)),
    recoveryPerSec: rate * DEFAULT_RECOVERY_SHARE_PER_SEC,
    decreaseFactor: DEFAULT_DECREASE_FACTOR,
    priorityHoldMs: DEFAULT_PRIORITY_HOLD_MS,
  });
}

/** Defaults with the operator's overrides laid over them, once at start. */
export function resolveRateLimits(
  overrides: Partial<Record<ProviderName, ProviderRateLimit>> = {},
): Readonly<Record<ProviderName, BucketLimit>> {
  const d = DEFAULT_PROVIDER_RATE_LIMITS;
  return Object.freeze({
    order: bucketLimitFor(overrides.order ?? d.order),
    inventory: bucketLimitFor(overrides.inventory ?? d.inventory),
    payment: bucketLimitFor(overrides.payment ?? d.payment),
    shipping: bucketLimitFor(overrides.shipping ?? d.shipping),
  });
}
