import type { ProviderAnswer } from './saga.js';

export const PROVIDERS = ['order', 'inventory', 'payment', 'shipping'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** Due compensations are served before new forward work when a provider must be paced. */
export type CallPriority = 'compensation' | 'forward';

export interface ProviderRequest {
  provider: ProviderName;
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  timeoutMs: number;
  priority: CallPriority;
  /** Provider account the call is billed to (pacing is per account); undefined = default. */
  account?: string;
  /** Aborts the call, e.g. when the worker lost its lease on the saga. */
  signal?: AbortSignal;
}

/** Why a call never left this process. */
export type NotSentReason = 'breaker_open' | 'paced';

/**
 * The answers the engine distinguishes. `rejected` is a definite 4xx: the provider looked at the
 * request and did nothing, so retrying the same request cannot help. `retryable` is everything
 * else that is not a success (429, 5xx, timeout, network): the effect may or may not have
 * happened. `not_sent` means the call never left this process (open breaker, pacing): it is not
 * an attempt, and the engine comes back after `retryAfterMs` plus jitter.
 */
export type CallOutcome =
  | { kind: 'ok'; answer: { status: number; body: unknown } }
  | { kind: 'rejected'; answer: { status: number; body: unknown } }
  | {
      kind: 'retryable';
      answer: ProviderAnswer;
      retryAfterMs?: number | undefined;
      /** False when the request provably had no effect (429, refused connection). */
      maybeApplied: boolean;
    }
  | {
      kind: 'not_sent';
      reason: NotSentReason;
      retryAfterMs: number;
      /**
       * Paced because this route (`POST /refunds`) answered 429 and is paused or slowed after
       * it; absent when paced to the configured rate. The operator's fix differs.
       */
      throttledRoute?: string;
    };

/** Port through which the saga talks to services; it never retries (the engine does). */
export interface ProviderClient {
  call(request: ProviderRequest): Promise<CallOutcome>;
  close(): Promise<void>;
}
