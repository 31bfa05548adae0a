import type { RetryPolicy } from './saga-policies';

/**
 * Capped exponential backoff with full jitter: a uniform wait in [0, min(cap, base * 2^(n-1))],
 * so a crowd of sagas failing together does not retry together. A provider's Retry-After
 * replaces the backoff and keeps its own jitter (`retryAfterDelayMs`).
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterDelayMs(policy, retryAfterMs, random);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The wait after a Retry-After (the provider's, or an open breaker's reset): never earlier than
 * asked, spread uniformly over a window after it, so the sagas told the same instant do not all
 * come back together. The window is the Retry-After itself, between the policy's base and cap.
 */
export function retryAfterDelayMs(
  policy: RetryPolicy,
  retryAfterMs: number,
  random: () => number = Math.random,
): number {
  const window = Math.min(policy.maxDelayMs, Math.max(policy.baseDelayMs, retryAfterMs));
  return retryAfterMs + Math.floor(random() * window);
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
