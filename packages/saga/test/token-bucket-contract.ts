import { describe, expect, it } from 'vitest';
import type { BucketLimit, TokenBucketStore } from '../src/token-bucket';

const LIMIT: BucketLimit = Object.freeze({
  ratePerSec: 10,
  burst: 1,
  minRatePerSec: 1,
  recoveryPerSec: 1,
  decreaseFactor: 0.5,
  priorityHoldMs: 1_000,
});

const T0 = 1_700_000_000_000;

/** Grants taken by a caller that asks every `stepMs` from `from` to `to` (exclusive). */
async function grantsBetween(
  bucket: TokenBucketStore,
  key: string,
  from: number,
  to: number,
  stepMs = 5,
): Promise<number> {
  let granted = 0;
  for (let now = from; now < to; now += stepMs) {
    if ((await bucket.take(key, LIMIT, 'compensation', now)).granted) granted++;
  }
  return granted;
}

/**
 * What every `TokenBucketStore` promises, on a fake clock so that nothing depends on timing.
 * `open` returns a store and a fresh key namespace for one test.
 */
export function tokenBucketContract(
  name: string,
  open: () => Promise<{ bucket: TokenBucketStore; key: (k: string) => string }>,
): void {
  describe(`${name} token bucket contract`, () => {
    it('grants at the configured rate and no faster', async () => {
      const { bucket, key } = await open();
      const granted = await grantsBetween(bucket, key('rate'), T0, T0 + 10_000);
      // The token a quiet bucket holds at T0, then one every 100 ms up to T0 + 9,900.
      expect(granted).toBe(100);
      await bucket.close();
    });

    it('a refused take says when the next token comes', async () => {
      const { bucket, key } = await open();
      expect(await bucket.take(key('wait'), LIMIT, 'forward', T0)).toEqual({ granted: true });
      expect(await bucket.take(key('wait'), LIMIT, 'forward', T0)).toEqual({
        granted: false,
        retryAfterMs: 100,
      });
      expect((await bucket.take(key('wait'), LIMIT, 'forward', T0 + 100)).granted).toBe(true);
      await bucket.close();
    });

    it('keys are independent buckets (one per provider account)', async () => {
      const { bucket, key } = await open();
      expect((await bucket.take(key('acct_a'), LIMIT, 'forward', T0)).granted).toBe(true);
      expect((await bucket.take(key('acct_b'), LIMIT, 'forward', T0)).granted).toBe(true);
      expect((await bucket.take(key('acct_a'), LIMIT, 'forward', T0)).granted).toBe(false);
      await bucket.close();
    });

    it('a 429 pauses every taker until Retry-After and halves the rate once', async () => {
      const { bucket, key } = await open();
      const k = key('throttle');
      await bucket.throttle(k, LIMIT, 2_000, T0);
      // Stragglers: 429s of calls that were already in flight are the same event.
      await bucket.throttle(k, LIMIT, 2_000, T0 + 10);
      await bucket.throttle(k, LIMIT, 2_000, T0 + 20);
      expect(await bucket.take(k, LIMIT, 'compensation', T0 + 500)).toEqual({
        granted: false,
        retryAfterMs: 1_520,
      });
      expect((await bucket.state(k, LIMIT, T0 + 1_000)).ratePerSec).toBe(5);
      expect(await grantsBetween(bucket, k, T0 + 500, T0 + 2_020)).toBe(0);
      await bucket.close();
    });

    it('after a 429 the rate climbs back additively to the limit', async () => {
      const { bucket, key } = await open();
      const k = key('recover');
      await bucket.throttle(k, LIMIT, 1_000, T0);
      const end = T0 + 1_000;
      expect((await bucket.state(k, LIMIT, end)).ratePerSec).toBe(5);
      expect((await bucket.state(k, LIMIT, end + 2_000)).ratePerSec).toBeCloseTo(7, 6);
      expect((await bucket.state(k, LIMIT, end + 60_000)).ratePerSec).toBe(10);
    });

    it('a 429 during recovery cuts the rate again, never below the floor', async () => {
      const { bucket, key } = await open();
      const k = key('floor');
      let now = T0;
      for (let i = 0; i < 6; i++) {
        await bucket.throttle(k, LIMIT, 100, now);
        now += 100;
      }
      expect((await bucket.state(k, LIMIT, now)).ratePerSec).toBe(1);
      await bucket.close();
    });

    it('a waiting compensation is served before new forward work', async () => {
      const { bucket, key } = await open();
      const k = key('priority');
      expect((await bucket.take(k, LIMIT, 'forward', T0)).granted).toBe(true);
      const refused = await bucket.take(k, LIMIT, 'compensation', T0 + 10);
      expect(refused).toEqual({ granted: false, retryAfterMs: 90 });
      // The next token is due at T0+100; forward work arriving first must leave it.
      expect((await bucket.take(k, LIMIT, 'forward', T0 + 100)).granted).toBe(false);
      expect((await bucket.take(k, LIMIT, 'compensation', T0 + 120)).granted).toBe(true);
      await bucket.close();
    });

    it('forward work gets tokens again once no compensation waits', async () => {
      const { bucket, key } = await open();
      const k = key('release');
      await bucket.take(k, LIMIT, 'forward', T0);
      await bucket.take(k, LIMIT, 'compensation', T0 + 10);
      // Hold: the compensation's wait (90 ms) plus priorityHoldMs (1 s).
      expect((await bucket.take(k, LIMIT, 'forward', T0 + 1_099)).granted).toBe(false);
      expect((await bucket.take(k, LIMIT, 'forward', T0 + 1_100)).granted).toBe(true);
      await bucket.close();
    });
  });
}
