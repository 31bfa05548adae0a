import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';

/** Where one counter stands for a request it was asked to count. */
export interface Count {
  /** Points counted in this window, this request's included; above the limit means refused. */
  consumed: number;
  /** Time until the window resets and the whole limit is available again. */
  msBeforeNext: number;
  /** Gives back what this request took (a 429 from another counter spends nothing). */
  refund(): Promise<void>;
}

/**
 * One limit counted per key in fixed windows. A limit hit is a `Count` over the limit; a store
 * failure is an `Error` value, never thrown: one is a normal answer, the other a degraded state.
 */
export interface PermitCounter {
  consume(key: string, points: number): Promise<Count | Error>;
}

/** Every request counted by the store itself: rate-limiter-flexible, one round trip each. */
export function exactCounter(limiter: RateLimiterAbstract): PermitCounter {
  const countOf = (key: string, points: number, res: RateLimiterRes): Count => ({
    consumed: res.consumedPoints,
    msBeforeNext: res.msBeforeNext,
    refund: async () => {
      await limiter.reward(key, points).catch(() => undefined);
    },
  });
  return {
    consume: async (key, points) => {
      try {
        return countOf(key, points, await limiter.consume(key, points));
      } catch (err) {
        if (err instanceof RateLimiterRes) return countOf(key, points, err);
        return err instanceof Error ? err : new Error(String(err));
      }
    },
  };
}
