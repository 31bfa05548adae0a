import type { ProviderAnswer } from './saga';

export const PROVIDERS = ['order', 'inventory', 'payment', 'shipping'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export interface ProviderRequest {
  provider: ProviderName;
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  timeoutMs: number;
}

/**
 * The three answers the engine distinguishes. `rejected` is a definite 4xx: the provider looked
 * at the request and did nothing, so retrying the same request cannot help. `retryable` is
 * everything else that is not a success (429, 5xx, timeout, network, open breaker): the effect may
 * or may not have happened, and only a re-send with the same idempotency key settles it.
 */
export type CallOutcome =
  | { kind: 'ok'; answer: { status: number; body: unknown } }
  | { kind: 'rejected'; answer: { status: number; body: unknown } }
  | {
      kind: 'retryable';
      answer: ProviderAnswer;
      retryAfterMs?: number | undefined;
      /** False when the request provably had no effect (429, open breaker, refused connection). */
      maybeApplied: boolean;
    };

/** Port through which the saga talks to services; it never retries (the engine does). */
export interface ProviderClient {
  call(request: ProviderRequest): Promise<CallOutcome>;
  close(): Promise<void>;
}
