import { describe, expect, it } from 'vitest';
import { breakerStateOf } from '../src/breaker-state';
import { isDefiniteRefusal } from '../src/definite-refusal';
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

  it("opossum's flags map to one breaker state", () => {
    expect(breakerStateOf({ opened: true, halfOpen: false })).toBe('open');
    expect(breakerStateOf({ opened: false, halfOpen: true })).toBe('half_open');
    expect(breakerStateOf({ opened: false, halfOpen: false })).toBe('closed');
  });
});
