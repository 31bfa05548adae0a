import { describe, expect, it } from 'vitest';
import { breakerStateOf } from '../src/breaker-state';
import { isDefiniteRefusal, isProviderRefusal, parseProviderBody } from '../src/definite-refusal';
import { parseRetryAfterMs } from '../src/retry-after';

describe('HTTP semantics shared by every upstream client', () => {
  it('Retry-After reads delta seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfterMs('3')).toBe(3_000);
    expect(parseRetryAfterMs(['2', '9'])).toBe(2_000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfterMs(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(' ')).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });

  it('a 4xx is a definite refusal except 408 and 429; a 5xx never is', () => {
    expect([400, 401, 404, 409, 422].every(isDefiniteRefusal)).toBe(true);
    expect([408, 429, 500, 503, 200].some(isDefiniteRefusal)).toBe(false);
  });

  it('a provider refusal, where the saga and the consumers stop trying: not a 409 in progress, not a 425', () => {
    const inProgress = parseProviderBody('{"error":{"reason":"request_in_progress"}}');
    expect(isProviderRefusal(409, inProgress)).toBe(false);
    expect(
      isProviderRefusal(409, parseProviderBody('{"error":{"reason":"already_refunded"}}')),
    ).toBe(true);
    expect(isProviderRefusal(425, null)).toBe(false);
    expect([400, 402, 404, 422].every((s) => isProviderRefusal(s, parseProviderBody('')))).toBe(
      true,
    );
    expect([408, 429, 500, 503].some((s) => isProviderRefusal(s, null))).toBe(false);
    expect(parseProviderBody('not json')).toBe('not json');
  });

  it("opossum's flags map to one breaker state", () => {
    expect(breakerStateOf({ opened: true, halfOpen: false })).toBe('open');
    expect(breakerStateOf({ opened: false, halfOpen: true })).toBe('half_open');
    expect(breakerStateOf({ opened: false, halfOpen: false })).toBe('closed');
  });
});
