/** The two numbers a capped exponential backoff needs. */
export interface BackoffPolicy {
  /** First backoff ceiling; the n-th retry waits up to base * 2^(n-1). */
  baseDelayMs: number;
  /** Cap on a single backoff ceiling (and on the jitter window after a Retry-After). */
  maxDelayMs: number;
}

/**
 * Capped exponential backoff with full jitter: a uniform wait in [0, min(cap, base * 2^(n-1))],
 * so a crowd of callers failing together does not retry together. A provider's Retry-After
 * replaces the backoff and keeps its own jitter (`retryAfterDelayMs`).
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
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
 * asked, spread uniformly over a window after it, so the callers told the same instant do not
 * all come back together. The window is the Retry-After itself, between the policy's base and cap.
 */
export function retryAfterDelayMs(
  policy: BackoffPolicy,
  retryAfterMs: number,
  random: () => number = Math.random,
): number {
  const window = Math.min(policy.maxDelayMs, Math.max(policy.baseDelayMs, retryAfterMs));
  return retryAfterMs + Math.floor(random() * window);
}
