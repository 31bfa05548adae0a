import CircuitBreaker from 'opossum';
import type { HttpClient } from './http-client';
import { UpstreamError } from './upstream-error';

export interface BreakerOptions {
  /** Failure percentage over the rolling window that opens the breaker; default 50. */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open; default 5. */
  volumeThreshold?: number;
  /** How long the breaker stays open before a half-open probe; default 5,000 ms. */
  resetTimeoutMs?: number;
  /** Rolling statistics window; default 10,000 ms. */
  rollingCountTimeoutMs?: number;
}

export const DEFAULT_BREAKER: Readonly<Required<BreakerOptions>> = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 5000,
  rollingCountTimeoutMs: 10_000,
});

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface GuardedClient extends HttpClient {
  readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  state(): BreakerState;
}

/**
 * Put one opossum breaker in front of a client. The deadline lives in the HTTP client (it can
 * abort the socket), so the breaker's own timeout is off; 4xx answers are the caller's fault and
 * do not count against the upstream.
 */
export function withBreaker(client: HttpClient, options: BreakerOptions = {}): GuardedClient {
  const o = { ...DEFAULT_BREAKER, ...options };
  const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
    name: client.service,
    timeout: false,
    errorThresholdPercentage: o.errorThresholdPercentage,
    volumeThreshold: o.volumeThreshold,
    resetTimeout: o.resetTimeoutMs,
    rollingCountTimeout: o.rollingCountTimeoutMs,
    errorFilter: (err: unknown) => err instanceof UpstreamError && err.isClientError,
  });
  const guarded = <T>(call: () => Promise<T>) =>
    breaker.fire(call).catch((err: unknown) => {
      if (err instanceof UpstreamError) throw err;
      // opossum's own rejection when open: make it look like any other unavailable upstream.
      throw new UpstreamError(client.service, 0, `${client.service}: ${(err as Error).message}`);
    }) as Promise<T>;
  return {
    service: client.service,
    breaker,
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed'),
    get: (path, opts) => guarded(() => client.get(path, opts)),
    post: (path, opts) => guarded(() => client.post(path, opts)),
    close: async () => {
      breaker.shutdown();
      await client.close();
    },
  };
}
