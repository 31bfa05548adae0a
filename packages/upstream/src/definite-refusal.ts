/**
 * A 4xx other than 408 (request timeout) and 429 (too many requests) is the upstream refusing
 * this request, not the upstream failing: retrying cannot change the answer, and it must never
 * count against the upstream's breaker.
 */
export function isDefiniteRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}
