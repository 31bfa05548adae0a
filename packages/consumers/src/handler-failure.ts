/**
 * How a handler's failure is retried. `definite`: the provider looked at the request and refused
 * it (a 4xx it will answer again), so a few tries are enough before the dead letters.
 * `transient`: an outage, a timeout, a 5xx, a 408, 425 or 429, a 409 "in progress", or a
 * precondition not met yet (the pick list a cancel needs): retried with backoff until the retry
 * horizon ends.
 */
export type FailureKind = 'definite' | 'transient';

/** A handler's failure that says whether trying again can help. */
export class HandlerFailure extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    /** What the provider asked to wait (Retry-After), in ms. */
    readonly retryAfterMs?: number,
    /** The provider's HTTP status, when it answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HandlerFailure';
  }
}

/** A failure as the runtime plans its retry. */
export interface ClassifiedFailure {
  kind: FailureKind;
  message: string;
  retryAfterMs: number | undefined;
}

/**
 * Any error a handler threw, classified. An error that does not say (a bug, a log that is
 * down) is transient: it is retried within the horizon and shows in the group's age alert,
 * rather than being dead-lettered by a blip.
 */
export function classifyFailure(err: unknown): ClassifiedFailure {
  if (err instanceof HandlerFailure) {
    return { kind: err.kind, message: err.message, retryAfterMs: err.retryAfterMs };
  }
  return {
    kind: 'transient',
    message: err instanceof Error ? err.message : String(err),
    retryAfterMs: undefined,
  };
}
