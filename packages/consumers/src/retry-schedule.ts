import { backoffDelayMs } from '@edge/upstream';
import type { RetryState } from './event-log.js';
import type { ClassifiedFailure } from './handler-failure.js';

/** How a group retries a failed event; the runtime's options, resolved. */
export interface RetrySchedule {
  /** Definite rejections (4xx) after which the entry is dead-lettered. */
  maxRejections: number;
  /** Pause after a definite rejection, and the first backoff ceiling of a transient failure. */
  retryDelayMs: number;
  /** Cap on one backoff ceiling (and on the jitter window after a Retry-After). */
  retryMaxDelayMs: number;
  /** How long transient failures are retried, from the first failure. */
  retryHorizonMs: number;
  random: () => number;
}

export type RetryPlan =
  | { kind: 'retry'; retry: Omit<RetryState, 'settled'>; delayMs: number }
  | { kind: 'dead_letter'; reason: string };

const hours = (ms: number) => `${Math.round((ms / 3_600_000) * 100) / 100} h`;

/**
 * The next try of an entry whose handler just failed (`retry` is what earlier failures left).
 * A definite rejection waits `retryDelayMs` and is dead-lettered at its `maxRejections`th. A
 * transient failure waits a capped exponential backoff with full jitter, or the provider's
 * Retry-After plus jitter (shared with the saga: @edge/upstream), and is dead-lettered only once
 * it fails at or after the end of its horizon; a backoff reaching past that end is cut to one
 * last try at it, a Retry-After is honoured even there.
 */
export function planRetry(
  retry: RetryState | undefined,
  failure: ClassifiedFailure,
  now: number,
  schedule: RetrySchedule,
): RetryPlan {
  const failures = (retry?.failures ?? 0) + 1;
  const firstFailedAt = retry?.firstFailedAt ?? now;
  const rejections = (retry?.rejections ?? 0) + (failure.kind === 'definite' ? 1 : 0);
  if (failure.kind === 'definite') {
    if (rejections >= schedule.maxRejections)
      return { kind: 'dead_letter', reason: failure.message };
    const delayMs = schedule.retryDelayMs;
    return {
      kind: 'retry',
      retry: { failures, rejections, firstFailedAt, dueAt: now + delayMs },
      delayMs,
    };
  }
  const horizonEnd = firstFailedAt + schedule.retryHorizonMs;
  if (now >= horizonEnd) {
    return {
      kind: 'dead_letter',
      reason: `${failure.message} (still failing when its retry horizon of ${hours(schedule.retryHorizonMs)} ended)`,
    };
  }
  const backoff = backoffDelayMs(
    { baseDelayMs: schedule.retryDelayMs, maxDelayMs: schedule.retryMaxDelayMs },
    failures,
    failure.retryAfterMs,
    schedule.random,
  );
  const delayMs =
    failure.retryAfterMs === undefined ? Math.min(backoff, horizonEnd - now) : backoff;
  return {
    kind: 'retry',
    retry: { failures, rejections, firstFailedAt, dueAt: now + delayMs },
    delayMs,
  };
}
