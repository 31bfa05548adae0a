import { AppError, ErrorCode } from '@edge/common';
import { isDefiniteRefusal } from './definite-refusal.js';

/** Why no answer came: the reasons a client of this layer may want to tell apart. */
export type NoAnswerReason =
  | 'timeout'
  | 'network'
  | 'breaker_open'
  | 'over_capacity'
  /** The caller's own share of the upstream was in use and its wait for a slot failed. */
  | 'caller_share';

/** What went wrong talking to an upstream, kept as a value so breakers and retries can decide. */
export class UpstreamError extends Error {
  constructor(
    readonly service: string,
    /** HTTP status, or 0 when no answer came (refused, reset, timeout, breaker open). */
    readonly status: number,
    message: string,
    /** Milliseconds the upstream asked us to wait (429/503 Retry-After), when it said so. */
    readonly retryAfterMs?: number,
    /** The upstream's JSON error body, when it sent one. */
    readonly body?: unknown,
    /** Set when status is 0. */
    readonly reason?: NoAnswerReason,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** 4xx answers are the caller's problem, not the upstream failing: they never trip a breaker. */
  get isClientError(): boolean {
    return isDefiniteRefusal(this.status);
  }
}

/** The error a GraphQL client sees when a service cannot serve its part of a response. */
export function unavailable(service: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, `The ${service} service is unavailable`, {
    details: { service },
    cause,
  });
}
