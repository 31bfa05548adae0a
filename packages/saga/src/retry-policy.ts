import { backoffDelayMs, retryAfterDelayMs } from '@edge/upstream';
import type { RetryPolicy } from './saga-policies.js';

/** When a failed or refused step runs next, or why it does not. */
export type RetryPlan =
  | { kind: 'retry'; dueAt: number; delayMs: number }
  /** Beyond the horizon because the provider (or the breaker) asked: one more attempt then. */
  | { kind: 'park'; dueAt: number; delayMs: number }
  | { kind: 'exhausted'; reason: string };

export interface RetryInput {
  policy: RetryPolicy;
  /** The step's horizon (its class's, or its own override). */
  horizonMs: number;
  /** When the step's first attempt of this phase (or since a replay) was made. */
  horizonStartedAt: number;
  /** Attempts that reached the provider so far, for the backoff exponent. */
  attemptsMade: number;
  retryAfterMs: number | undefined;
  /** Steps that must finish park beyond their horizon; forward steps give up and compensate. */
  mayPark: boolean;
  now: number;
  random: () => number;
}

/**
 * Plan the retry of a call that reached the provider and failed without a definite refusal.
 * Within the horizon: backoff (or the provider's Retry-After, jittered). A backoff reaching past
 * it is cut to one last attempt at its end; a Retry-After reaching past it parks the step (or,
 * for a forward step, ends it). Once a call fails at or after the end, the horizon is over.
 */
export function planRetry(input: RetryInput): RetryPlan {
  const { policy, now } = input;
  const horizonEnd = input.horizonStartedAt + input.horizonMs;
  if (now >= horizonEnd) return { kind: 'exhausted', reason: horizonEnded(input.horizonMs) };
  const delayMs = backoffDelayMs(policy, input.attemptsMade, input.retryAfterMs, input.random);
  const dueAt = now + delayMs;
  if (dueAt <= horizonEnd) return { kind: 'retry', dueAt, delayMs };
  if (input.retryAfterMs === undefined) {
    return { kind: 'retry', dueAt: horizonEnd, delayMs: horizonEnd - now };
  }
  if (input.mayPark) return { kind: 'park', dueAt, delayMs };
  return {
    kind: 'exhausted',
    reason: `Retry-After of ${input.retryAfterMs} ms is beyond the horizon of ${input.horizonMs} ms`,
  };
}

/**
 * Plan the next try of a call refused locally (open breaker, pacing). It is not an attempt and
 * never ends a horizon of a step that must finish; a forward step gives up once the wait reaches
 * past its horizon, since a customer is waiting.
 */
export function planDeferral(
  input: Omit<RetryInput, 'attemptsMade'> & { retryAfterMs: number },
): RetryPlan {
  const delayMs = retryAfterDelayMs(input.policy, input.retryAfterMs, input.random);
  const dueAt = input.now + delayMs;
  const horizonEnd = input.horizonStartedAt + input.horizonMs;
  if (dueAt > horizonEnd && !input.mayPark) {
    // Said as it is: the call was never sent, the wait asked for does not fit what is left.
    const left = Math.max(0, horizonEnd - input.now);
    return {
      kind: 'exhausted',
      reason: `the provider is held off for ${seconds(delayMs)}, more than the ${seconds(left)} left of the step's ${seconds(input.horizonMs)} horizon`,
    };
  }
  return { kind: 'retry', dueAt, delayMs };
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

function horizonEnded(horizonMs: number): string {
  return `retry horizon of ${horizonMs} ms ended`;
}
