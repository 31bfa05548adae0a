import type { CallPriority } from './provider-client.js';

/** How one provider (or one provider account) is paced; see `pacing-policy.ts` for defaults. */
export interface BucketLimit {
  /** Sustained calls per second: the provider's published limit. The AIMD ceiling. */
  ratePerSec: number;
  /** Tokens a quiet bucket holds, i.e. calls that may leave back to back. */
  burst: number;
  /** Floor of the rate after repeated 429s, so pacing never stops for good. */
  minRatePerSec: number;
  /** Calls per second regained per second without a 429 (additive increase). */
  recoveryPerSec: number;
  /** Factor applied to the rate on a 429 (multiplicative decrease), in (0, 1). */
  decreaseFactor: number;
  /**
   * After a compensation was refused a token, forward work is refused for this long beyond the
   * compensation's own wait, so the compensation gets the next tokens when it comes back.
   */
  priorityHoldMs: number;
}

export type TakeResult = { granted: true } | { granted: false; retryAfterMs: number };

/** Tokens taken at once; when none, `retryAfterMs` says when to come back. */
export interface BatchTakeResult {
  granted: number;
  retryAfterMs: number;
}

/** One token out of a batch take. */
export function singleTake({ granted, retryAfterMs }: BatchTakeResult): TakeResult {
  return granted > 0 ? { granted: true } : { granted: false, retryAfterMs };
}

/** Where a bucket's rate stands, for metrics and tests. */
export interface BucketState {
  ratePerSec: number;
  pausedUntil: number;
}

/**
 * One token bucket per key, shared by every process that uses the same store. Time is passed
 * in (`now`, epoch ms) so that every implementation can be driven by one contract test with a
 * fake clock; callers pass `Date.now()`.
 *
 * Semantics every implementation follows (the contract test holds them to it):
 * - tokens refill at the current rate up to `burst`; a take spends one or says when to return;
 * - `throttle` (a 429) empties the bucket, pauses every taker until `now + pauseMs`, and cuts
 *   the rate by `decreaseFactor` unless the bucket was already paused: 429s from calls that were
 *   in flight when the first one came back are the same event, not a new one;
 * - after a pause the rate climbs back by `recoveryPerSec` each second up to `ratePerSec`;
 * - a compensation refused a token holds forward work off until it has been served.
 */
export interface TokenBucketStore {
  take(key: string, limit: BucketLimit, priority: CallPriority, now: number): Promise<TakeResult>;
  /** As `take`, but up to `count` tokens when the bucket holds them (a lease, see leased-token-bucket.ts). */
  takeUpTo(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    count: number,
    now: number,
  ): Promise<BatchTakeResult>;
  throttle(key: string, limit: BucketLimit, pauseMs: number, now: number): Promise<void>;
  state(key: string, limit: BucketLimit, now: number): Promise<BucketState>;
  close(): Promise<void>;
}

/** A store whose primitive is `takeUpTo`: `take` is a batch of one. */
export abstract class BatchTokenBucket implements TokenBucketStore {
  async take(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    now: number,
  ): Promise<TakeResult> {
    return singleTake(await this.takeUpTo(key, limit, priority, 1, now));
  }

  abstract takeUpTo(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    count: number,
    now: number,
  ): Promise<BatchTakeResult>;
  abstract throttle(key: string, limit: BucketLimit, pauseMs: number, now: number): Promise<void>;
  abstract state(key: string, limit: BucketLimit, now: number): Promise<BucketState>;
  abstract close(): Promise<void>;
}
