import { backoffDelayMs } from '@edge/upstream';
import { describe, expect, it } from 'vitest';
import { planDeferral, planRetry } from '../src/retry-policy';
import { resolvePolicies } from '../src/saga-policies';

const policy = { timeoutMs: 100, baseDelayMs: 100, maxDelayMs: 1_000, horizonMs: 10_000 };
const horizon = {
  policy,
  horizonMs: 10_000,
  horizonStartedAt: 0,
  mayPark: true,
  random: () => 0.5,
};

describe('retry policy', () => {
  it('full jitter stays under the capped exponential ceiling', () => {
    expect(backoffDelayMs(policy, 1, undefined, () => 0.999)).toBeLessThan(100);
    expect(backoffDelayMs(policy, 3, undefined, () => 0.999)).toBeLessThan(400);
    expect(backoffDelayMs(policy, 30, undefined, () => 0.999)).toBeLessThan(1_000);
    expect(backoffDelayMs(policy, 3, undefined, () => 0)).toBe(0);
  });

  it('Retry-After is a floor on the delay and keeps jitter over a window after it', () => {
    expect(backoffDelayMs(policy, 1, 5_000, () => 0)).toBe(5_000);
    expect(backoffDelayMs(policy, 1, 5_000, () => 0.5)).toBe(5_500);
    expect(backoffDelayMs(policy, 1, 5_000, () => 0.999)).toBeLessThan(6_000);
  });

  it('retries inside the horizon, makes a last attempt at its end, then gives up', () => {
    const early = planRetry({ ...horizon, attemptsMade: 1, retryAfterMs: undefined, now: 1_000 });
    expect(early).toEqual({ kind: 'retry', dueAt: 1_050, delayMs: 50 });
    const late = planRetry({ ...horizon, attemptsMade: 9, retryAfterMs: undefined, now: 9_900 });
    expect(late).toEqual({ kind: 'retry', dueAt: 10_000, delayMs: 100 });
    const over = planRetry({ ...horizon, attemptsMade: 10, retryAfterMs: undefined, now: 10_000 });
    expect(over).toMatchObject({ kind: 'exhausted', reason: expect.stringMatching(/horizon/) });
  });

  it('a Retry-After beyond the horizon parks a step that must finish and ends a forward one', () => {
    const asked = { attemptsMade: 1, retryAfterMs: 60_000, now: 1_000 };
    expect(planRetry({ ...horizon, ...asked })).toEqual({
      kind: 'park',
      dueAt: 61_500,
      delayMs: 60_500,
    });
    expect(planRetry({ ...horizon, ...asked, mayPark: false })).toMatchObject({
      kind: 'exhausted',
    });
  });

  it('a call refused locally is deferred, jittered, and never ends the horizon of a compensation', () => {
    const deferred = planDeferral({ ...horizon, retryAfterMs: 2_000, now: 20_000 });
    expect(deferred).toEqual({ kind: 'retry', dueAt: 22_500, delayMs: 2_500 });
    const forward = planDeferral({ ...horizon, retryAfterMs: 2_000, now: 20_000, mayPark: false });
    expect(forward).toMatchObject({ kind: 'exhausted' });
  });

  it('a lease shorter than the worst-case step chain is refused', () => {
    expect(() => resolvePolicies({ leaseTtlMs: 1_000 })).toThrow(/leaseTtlMs/);
    // Two compensation calls of 5 s (verify, then undo) do not fit in a 10 s lease.
    expect(() => resolvePolicies({ leaseTtlMs: 10_000 })).toThrow(/worst-case step chain/);
    expect(resolvePolicies({ leaseTtlMs: 10_001 }).leaseTtlMs).toBe(10_001);
  });
});
