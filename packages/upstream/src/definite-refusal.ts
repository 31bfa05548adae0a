/**
 * A 4xx other than 408 (request timeout) and 429 (too many requests) is the upstream refusing
 * this request, not the upstream failing: retrying cannot change the answer, and it must never
 * count against the upstream's breaker.
 */
export function isDefiniteRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * "A request with this key is in progress" (Stripe's 409, services-mock's `in_progress` fault):
 * the first request may still land, so it is a retry, not a refusal, and not an outage either.
 */
export function isRequestInProgress(status: number, body: unknown): boolean {
  if (status !== 409 || typeof body !== 'object' || body === null || !('error' in body)) {
    return false;
  }
  const { error } = body;
  return typeof error === 'object' && error !== null && 'reason' in error
    ? error.reason === 'request_in_progress'
    : false;
}

/**
 * A provider refusing this request, which it would answer the same again: a definite refusal,
 * except a 409 "in progress" and a 425 Too Early, which ask for a retry. The saga's steps and the
 * order event consumers stop trying on it; everything else they retry.
 */
export function isProviderRefusal(status: number, body: unknown): boolean {
  return isDefiniteRefusal(status) && status !== 425 && !isRequestInProgress(status, body);
}

/** A provider's answer body: its JSON, else its text (the first 500 characters); empty: null. */
export function parseProviderBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 500);
  }
}
