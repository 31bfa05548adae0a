import type { CallPriority } from './provider-client.js';
import {
  type BatchTakeResult,
  BatchTokenBucket,
  type BucketLimit,
  type BucketState,
} from './token-bucket.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
  ratePerSec: number;
  pausedUntil: number;
  /** Forward work is refused until then because a compensation is waiting for a token. */
  compensationWaitUntil: number;
}

function fresh(limit: BucketLimit, now: number): Bucket {
  return {
    tokens: limit.burst,
    updatedAt: now,
    ratePerSec: limit.ratePerSec,
    pausedUntil: 0,
    compensationWaitUntil: 0,
  };
}

/** Refill and recover for the time since the last update; nothing accrues while paused. */
function advance(bucket: Bucket, limit: BucketLimit, now: number): void {
  const from = Math.max(bucket.updatedAt, bucket.pausedUntil);
  if (now > from) {
    const seconds = (now - from) / 1000;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + bucket.ratePerSec * seconds);
    bucket.ratePerSec = Math.min(
      limit.ratePerSec,
      bucket.ratePerSec + limit.recoveryPerSec * seconds,
    );
  }
  bucket.updatedAt = Math.max(bucket.updatedAt, now);
}

/**
 * The embedded (no Redis) bucket: one process is the only taker, so a map is the whole truth.
 * `redis-token-bucket.ts` is the same algorithm as one Lua script.
 */
export class MemoryTokenBucket extends BatchTokenBucket {
  private readonly buckets = new Map<string, Bucket>();

  private bucket(key: string, limit: BucketLimit, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = fresh(limit, now);
      this.buckets.set(key, bucket);
    }
    advance(bucket, limit, now);
    return bucket;
  }

  async takeUpTo(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    count: number,
    now: number,
  ): Promise<BatchTakeResult> {
    const bucket = this.bucket(key, limit, now);
    if (now < bucket.pausedUntil) return { granted: 0, retryAfterMs: bucket.pausedUntil - now };
    const missing = 1 - bucket.tokens;
    const waitMs = missing > 0 ? Math.ceil((missing / bucket.ratePerSec) * 1000) : 0;
    if (priority === 'forward' && now < bucket.compensationWaitUntil) {
      return { granted: 0, retryAfterMs: Math.max(waitMs, bucket.compensationWaitUntil - now) };
    }
    if (missing <= 0) {
      const granted = Math.min(count, Math.floor(bucket.tokens));
      bucket.tokens -= granted;
      return { granted, retryAfterMs: 0 };
    }
    if (priority === 'compensation') {
      bucket.compensationWaitUntil = Math.max(
        bucket.compensationWaitUntil,
        now + waitMs + limit.priorityHoldMs,
      );
    }
    return { granted: 0, retryAfterMs: waitMs };
  }

  async throttle(key: string, limit: BucketLimit, pauseMs: number, now: number): Promise<void> {
    const bucket = this.bucket(key, limit, now);
    if (now >= bucket.pausedUntil) {
      bucket.ratePerSec = Math.max(limit.minRatePerSec, bucket.ratePerSec * limit.decreaseFactor);
    }
    bucket.tokens = 0;
    bucket.pausedUntil = Math.max(bucket.pausedUntil, now + pauseMs);
  }

  async state(key: string, limit: BucketLimit, now: number): Promise<BucketState> {
    const bucket = this.bucket(key, limit, now);
    return { ratePerSec: bucket.ratePerSec, pausedUntil: bucket.pausedUntil };
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}
