import type { RetryPolicy } from './saga-policies';

/**
 * Capped exponential backoff with full jitter: a uniform wait in [0, min(cap, base * 2^(n-1))],
 * so a crowd of sagas failing together does not retry together. A provider's Retry-After is a
 * floor: we never come back earlier than it asked.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Why a retry may not happen, or undefined when it may. */
export function budgetExhaustion(
  policy: RetryPolicy,
  attemptsInPhase: number,
  phaseStartedAt: number,
  nextDueAt: number,
): string | undefined {
  if (attemptsInPhase >= policy.maxAttempts) {
    return `${attemptsInPhase} attempts used (max ${policy.maxAttempts})`;
  }
  if (nextDueAt - phaseStartedAt > policy.budgetMs) {
    return `retry budget of ${policy.budgetMs} ms exhausted`;
  }
  return undefined;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
