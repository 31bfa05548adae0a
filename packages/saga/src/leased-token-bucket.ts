import type { CallPriority } from './provider-client.js';
import {
  type BatchTakeResult,
  type BucketLimit,
  type BucketState,
  singleTake,
  type TakeResult,
  type TokenBucketStore,
} from './token-bucket.js';

export interface LeasedTokenBucketOptions {
  /** The shared bucket the tokens come from (Redis). */
  inner: TokenBucketStore;
  /** Tokens not spent this long after they were taken lapse; default 100 ms. */
  holdMs?: number;
}

export const DEFAULT_TOKEN_HOLD_MS = 100;

/**
 * A lease is at most a quarter of the bucket's burst: four processes holding full leases
 * together hold one burst's worth, so small published limits (burst 1-7) lease one at a time,
 * exactly as without leasing.
 */
export function maxLease(limit: BucketLimit): number {
  return Math.max(1, Math.floor(limit.burst / 4));
}

interface Held {
  tokens: number;
  expiresAt: number;
  /** Takes in the current window of `holdMs`, and in the one before: the size of a lease. */
  demand: number;
  demandBefore: number;
  windowEnd: number;
  /** The lease being asked for, per priority; takes arriving meanwhile wait for it. */
  asking: Partial<Record<CallPriority, Promise<TakeResult>>>;
}

/**
 * Takes tokens from the shared bucket a few at a time instead of one per call: one script call
 * grants this process up to `maxLease` tokens (sized by its takes per `holdMs`), which
 * its calls then spend locally. Tokens come out of the shared bucket when leased, so the
 * provider's rate holds across processes; what leasing adds is timing: a process may spend its
 * lease up to `holdMs` after it was granted, so in the worst case `processes x maxLease` calls
 * (a quarter of a burst each) leave beyond the bucket's own burst. Unspent tokens lapse (the
 * provider's capacity they stood for is lost, never spent late). A 429 drops this process's lease
 * at once; other processes may spend theirs (at most `maxLease` each) within `holdMs`. Takes that
 * find nothing held while a lease is being asked for wait for it rather than ask again, so even
 * a refused herd costs one script call per process at a time.
 */
export class LeasedTokenBucket implements TokenBucketStore {
  private readonly inner: TokenBucketStore;
  private readonly holdMs: number;
  private readonly held = new Map<string, Held>();

  constructor(options: LeasedTokenBucketOptions) {
    this.inner = options.inner;
    this.holdMs = options.holdMs ?? DEFAULT_TOKEN_HOLD_MS;
  }

  async take(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    now: number,
  ): Promise<TakeResult> {
    const held = this.entry(key);
    this.count(held, now);
    for (;;) {
      if (this.spend(held, now)) return { granted: true };
      const asking = held.asking[priority];
      if (!asking) return this.lease(held, key, limit, priority, now);
      const refused = await asking;
      // The lease this take waited for is spent or refused: try what is held, then ask again.
      if (!refused.granted && held.tokens < 1) return refused;
    }
  }

  private entry(key: string): Held {
    let held = this.held.get(key);
    if (!held) {
      held = { tokens: 0, expiresAt: 0, demand: 0, demandBefore: 0, windowEnd: 0, asking: {} };
      this.held.set(key, held);
    }
    return held;
  }

  private count(held: Held, now: number): void {
    if (now >= held.windowEnd) {
      held.demandBefore = now < held.windowEnd + this.holdMs ? held.demand : 0;
      held.demand = 0;
      held.windowEnd = now + this.holdMs;
    }
    held.demand++;
  }

  private spend(held: Held, now: number): boolean {
    if (held.tokens < 1 || now >= held.expiresAt) return false;
    held.tokens--;
    return true;
  }

  /** Ask the shared bucket for a lease; this take gets the first token of it. */
  private async lease(
    held: Held,
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    now: number,
  ): Promise<TakeResult> {
    // Sized for a window's takes at the rate seen, so a steady caller asks about once a window.
    const want = Math.min(maxLease(limit), Math.max(held.demand, held.demandBefore));
    const asking = this.inner
      .takeUpTo(key, limit, priority, want, now)
      .then((result) => this.keep(held, result, now));
    held.asking[priority] = asking;
    try {
      return await asking;
    } finally {
      delete held.asking[priority];
    }
  }

  private keep(held: Held, result: BatchTakeResult, now: number): TakeResult {
    if (result.granted > 1) {
      held.tokens = (now < held.expiresAt ? held.tokens : 0) + result.granted - 1;
      held.expiresAt = now + this.holdMs;
    }
    return singleTake(result);
  }

  takeUpTo(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    count: number,
    now: number,
  ): Promise<BatchTakeResult> {
    return this.inner.takeUpTo(key, limit, priority, count, now);
  }

  async throttle(key: string, limit: BucketLimit, pauseMs: number, now: number): Promise<void> {
    const held = this.held.get(key);
    if (held) held.tokens = 0;
    await this.inner.throttle(key, limit, pauseMs, now);
  }

  state(key: string, limit: BucketLimit, now: number): Promise<BucketState> {
    return this.inner.state(key, limit, now);
  }

  async close(): Promise<void> {
    this.held.clear();
    await this.inner.close();
  }
}
