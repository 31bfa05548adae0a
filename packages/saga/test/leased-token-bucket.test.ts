import { randomUUID } from 'node:crypto';
import { Redis } from '@edge/common';
import { afterAll, describe, expect, it } from 'vitest';
import { LeasedTokenBucket, maxLease } from '../src/leased-token-bucket';
import { bucketLimitFor } from '../src/pacing-policy';
import { RedisTokenBucket } from '../src/redis-token-bucket';
import type { BatchTakeResult, BucketLimit, TokenBucketStore } from '../src/token-bucket';
import { tokenBucketContract } from './token-bucket-contract';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const prefix = `test:leased:${randomUUID()}:`;
const T0 = 1_700_000_000_000;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** The shared Redis bucket, counting the script calls the leases make. */
function countingRedisBucket(): { bucket: TokenBucketStore; calls: () => number } {
  const inner = new RedisTokenBucket({ redis, prefix });
  let calls = 0;
  const takeUpTo = inner.takeUpTo.bind(inner);
  inner.takeUpTo = (...args): Promise<BatchTakeResult> => {
    calls++;
    return takeUpTo(...args);
  };
  return { bucket: inner, calls: () => calls };
}

// With a small published limit (the contract's burst of 1) a lease is one token: leasing
// changes nothing a caller can see.
tokenBucketContract('leased over Redis', async () => {
  const namespace = randomUUID();
  return {
    bucket: new LeasedTokenBucket({ inner: new RedisTokenBucket({ redis, prefix }) }),
    key: (k) => `${namespace}:${k}`,
  };
});

describe('leased tokens', () => {
  /**
   * `processes` leased buckets over one Redis bucket, each with `callers` concurrent takes every
   * millisecond of a fake clock for `ms`: how many calls were granted (in total and per second
   * after the first), and in how many Redis calls.
   */
  async function drain(
    limit: BucketLimit,
    options: { processes: number; callers: number; ms: number },
  ) {
    const key = `drain:${randomUUID()}`;
    const shared = countingRedisBucket();
    const leased = Array.from(
      { length: options.processes },
      () => new LeasedTokenBucket({ inner: shared.bucket }),
    );
    const perSecond: number[] = [];
    for (let now = T0; now < T0 + options.ms; now++) {
      const results = await Promise.all(
        leased.flatMap((bucket) =>
          Array.from({ length: options.callers }, () =>
            bucket.take(key, limit, 'compensation', now),
          ),
        ),
      );
      const second = Math.floor((now - T0) / 1000);
      perSecond[second] = (perSecond[second] ?? 0) + results.filter((r) => r.granted).length;
    }
    const granted = perSecond.reduce((a, b) => a + b, 0);
    return { granted, perSecond, redisCalls: shared.calls() };
  }

  it('below the limit, four processes ask Redis about once per hold each', async () => {
    const limit = bucketLimitFor({ ratePerSec: 10_000 }); // burst 1,000, leases of up to 250
    const { granted, redisCalls } = await drain(limit, { processes: 4, callers: 2, ms: 2_000 });
    expect(granted).toBe(4 * 2 * 2_000);
    // One lease per process per 100 ms window, and a few more while the rate is learned.
    expect(redisCalls).toBeLessThan(granted / 50);
  });

  it('a herd far above the limit never exceeds it, and takes share the lease being asked for', async () => {
    const limit = bucketLimitFor({ ratePerSec: 1_000 }); // burst 100, leases of up to 25
    const { granted, perSecond, redisCalls } = await drain(limit, {
      processes: 4,
      callers: 10,
      ms: 3_000,
    });
    // Tokens leave the shared bucket when leased: its burst plus 1,000/s in all, and in any
    // second at most the rate plus what four leases held over from the second before.
    expect(granted).toBeLessThanOrEqual(limit.burst + 3_000);
    for (const inSecond of perSecond.slice(1)) {
      expect(inSecond).toBeLessThanOrEqual(1_000 + 4 * maxLease(limit));
    }
    expect(granted).toBeGreaterThanOrEqual(0.95 * 3_000);
    // 40 takes a millisecond; waiting takes share the lease being asked for (and ask once more
    // when it was spent before their turn): about one call per process a millisecond.
    expect(redisCalls).toBeLessThan((4 * 10 * 3_000) / 5);
  });

  it('a process taking one call at a time asks Redis once per call', async () => {
    const limit = bucketLimitFor({ ratePerSec: 1_000 });
    const { granted, redisCalls } = await drain(limit, { processes: 1, callers: 1, ms: 50 });
    expect(granted).toBe(50);
    // Its demand is one per millisecond: leases grow once a window has shown it.
    expect(redisCalls).toBeLessThanOrEqual(50);
  });

  it('a 429 drops the tokens this process holds', async () => {
    const limit = bucketLimitFor({ ratePerSec: 1_000 });
    const key = `throttle:${randomUUID()}`;
    const bucket = new LeasedTokenBucket({ inner: new RedisTokenBucket({ redis, prefix }) });
    await leaseSome(bucket, key, limit, T0);
    await bucket.throttle(key, limit, 1_000, T0 + 2);
    expect(await bucket.take(key, limit, 'forward', T0 + 3)).toEqual({
      granted: false,
      retryAfterMs: 999,
    });
  });

  it('unspent tokens lapse after the hold', async () => {
    const limit = bucketLimitFor({ ratePerSec: 1_000 });
    const key = `lapse:${randomUUID()}`;
    const shared = countingRedisBucket();
    const bucket = new LeasedTokenBucket({ inner: shared.bucket, holdMs: 100 });
    await leaseSome(bucket, key, limit, T0);
    const leases = shared.calls();
    expect((await bucket.take(key, limit, 'forward', T0 + 109)).granted).toBe(true);
    expect(shared.calls()).toBe(leases);
    // Past the hold the next take asks the shared bucket again.
    expect((await bucket.take(key, limit, 'forward', T0 + 110)).granted).toBe(true);
    expect(shared.calls()).toBe(leases + 1);
  });
});

/**
 * Ten concurrent takes at `now`, then ten more at `now + 10`: the second round's lease is sized
 * by the eleven takes the window has seen, so one token is still held (until `now + 110`).
 */
async function leaseSome(
  bucket: TokenBucketStore,
  key: string,
  limit: BucketLimit,
  now: number,
): Promise<void> {
  for (const at of [now, now + 10]) {
    const taken = await Promise.all(
      Array.from({ length: 10 }, () => bucket.take(key, limit, 'forward', at)),
    );
    expect(taken.every((t) => t.granted)).toBe(true);
  }
}

describe('leased tokens when Redis is down', () => {
  it('every take waiting on the failed lease fails too, none hangs, and the next take asks again', async () => {
    // Nothing listens on port 1: the fail-fast client refuses at once, as in an outage.
    const dead = new Redis(1, '127.0.0.1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    dead.on('error', () => {});
    const bucket = new LeasedTokenBucket({ inner: new RedisTokenBucket({ redis: dead, prefix }) });
    const limit = bucketLimitFor({ ratePerSec: 1_000 });
    const takes = await Promise.allSettled(
      Array.from({ length: 10 }, () => bucket.take('down', limit, 'compensation', T0)),
    );
    // The paced client turns each failure into its in-process fallback bucket.
    expect(takes.every((t) => t.status === 'rejected')).toBe(true);
    await expect(bucket.take('down', limit, 'compensation', T0 + 1)).rejects.toBeDefined();
    dead.disconnect();
  });
});
