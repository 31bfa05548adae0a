import { describe, expect, it } from 'vitest';
import { backoffDelayMs, budgetExhaustion, parseRetryAfter } from '../src/retry-policy';
import { resolvePolicies } from '../src/saga-policies';

const policy = {
  timeoutMs: 100,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxAttempts: 5,
  budgetMs: 10_000,
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
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('budget is exhausted by attempts or by time', () => {
    expect(budgetExhaustion(policy, 5, 0, 10)).toMatch(/attempts/);
    expect(budgetExhaustion(policy, 1, 0, 10_001)).toMatch(/budget/);
    expect(budgetExhaustion(policy, 1, 0, 9_000)).toBeUndefined();
  });

  it('a lease shorter than a call timeout is refused', () => {
    expect(() => resolvePolicies({ leaseTtlMs: 1_000 })).toThrow(/leaseTtlMs/);
  });
});
