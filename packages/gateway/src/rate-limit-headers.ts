/** One limit's state after a request, as the headers report it. */
export interface LimitState {
  /** Policy name in the headers: `requests` or `cost`. */
  name: string;
  limit: number;
  remaining: number;
  /** Time until the window resets and the budget is whole again. */
  resetMs: number;
  exceeded: boolean;
}

/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, structured-field form):
 * `RateLimit-Policy: "requests";q=600;w=60` names each quota and window once, and
 * `RateLimit: "requests";r=599;t=42` gives what is left and the seconds until it resets.
 */
export function rateLimitHeaders(states: LimitState[], windowS: number): Record<string, string> {
  return {
    'ratelimit-policy': states.map((s) => `"${s.name}";q=${s.limit};w=${windowS}`).join(', '),
    ratelimit: states
      .map((s) => `"${s.name}";r=${s.remaining};t=${Math.max(0, Math.ceil(s.resetMs / 1000))}`)
      .join(', '),
  };
}
