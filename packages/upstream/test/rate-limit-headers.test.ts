import { describe, expect, it } from 'vitest';
import { rateLimitWaitMs } from '../src/rate-limit-headers';

describe('rateLimitWaitMs', () => {
  it('reads the structured RateLimit header (draft 7 and later)', () => {
    expect(rateLimitWaitMs({ ratelimit: 'limit=100, remaining=0, reset=5' })).toBe(5_000);
    expect(rateLimitWaitMs({ ratelimit: '"default";r=0;t=3' })).toBe(3_000);
  });

  it('reads RateLimit-Remaining and RateLimit-Reset (earlier drafts)', () => {
    expect(rateLimitWaitMs({ 'ratelimit-remaining': '0', 'ratelimit-reset': '2' })).toBe(2_000);
  });

  it('no wait while calls remain, or when the headers are absent or unreadable', () => {
    expect(rateLimitWaitMs({ ratelimit: 'limit=100, remaining=4, reset=5' })).toBeUndefined();
    expect(rateLimitWaitMs({ 'ratelimit-remaining': '3', 'ratelimit-reset': '2' })).toBeUndefined();
    expect(rateLimitWaitMs({})).toBeUndefined();
    expect(
      rateLimitWaitMs({ 'ratelimit-remaining': '0', 'ratelimit-reset': 'soon' }),
    ).toBeUndefined();
  });
});
