import { defineScript, type RedisClient } from '@edge/common';
import type { Count, PermitCounter } from './permit-counter.js';

/**
 * Grants up to ARGV[2] permits of the current window of KEYS[1] (limit ARGV[1], window ARGV[3]
 * ms) and counts them as used, in one atomic step: the sum of grants in a window never passes
 * the limit, whatever the number of instances. The counter is the one rate-limiter-flexible
 * keeps (an integer with a millisecond expiry), so exact and leased instances share one limit
 * while a deployment changes mode. Returns { granted, used, pttl }.
 */
const LEASE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local granted = math.max(0, math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) - used))
if granted > 0 then used = redis.call('INCRBY', KEYS[1], granted) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[3])
  if used > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return { granted, used, ttl }`;

const grantScript = defineScript(LEASE_SCRIPT);

/** How leases are sized; defaults in defaults.ts (DEFAULT_LEASE). */
export interface LeaseOptions {
  /** Traffic one lease should cover: a key's next lease is its observed rate times this. */
  coverMs: number;
  /**
   * Largest lease as a fraction of the limit. It bounds what another instance can hold idle
   * (the under-admission of docs/edge.md) and is reached only by keys that busy.
   */
  maxFraction: number;
}

export interface LeasedCounterOptions extends LeaseOptions {
  redis: RedisClient;
  /** Prefix of the Redis keys; the same as the exact counter's of this limit. */
  keyPrefix: string;
  limit: number;
  windowMs: number;
  /** Called once per lease sent to Redis. */
  onLease?: () => void;
}

/** This instance's share of one key's window. */
interface Lease {
  /** Local monotonic time at which these permits lapse; never after Redis's window ends. */
  expiresAt: number;
  /** Bumped whenever the window changes, so a late refund never lands in a newer window. */
  generation: number;
  /** Granted to this instance and not used yet. */
  permits: number;
  /** The limit less what Redis had granted in all (every instance) at this lease. */
  poolRemaining: number;
  /** The pool could not fill the last ask: nothing more this window. */
  exhausted: boolean;
  /** Permits asked for at the next lease. */
  size: number;
  /** Points served since `since`, to size the next lease by the key's rate. */
  served: number;
  since: number;
  refill: Promise<Error | undefined> | undefined;
}

export interface LeasedCounter extends PermitCounter {
  /** Permits this instance holds unused in live windows, every key together. */
  heldPermits(): number;
}

/**
 * A limit counted by leases: this instance takes permits of the current window from Redis in
 * batches (one script call grants up to K) and spends them locally, so Redis sees about one call
 * per K requests of a key. K follows the key's rate (`coverMs` of traffic), from 1 for a key
 * seen for the first time (then every request asks Redis, as the exact mode does) up to
 * `maxFraction` of the limit. Unused permits lapse with the window.
 *
 * Safety: permits are used only before `sentAt + pttl` of the call that granted them, which is
 * no later than the end of Redis's window (Redis measured the pttl after we sent), so no permit
 * outlives its window and the global limit holds. The price is under-admission: permits another
 * instance holds idle are lost to this window.
 */
export function createLeasedCounter(options: LeasedCounterOptions): LeasedCounter {
  const { redis, limit, windowMs } = options;
  const maxLease = Math.max(1, Math.floor(limit * options.maxFraction));
  /** { granted, used, pttl } for this key's window, as the script answers. */
  const grant = async (key: string, want: number) =>
    (await grantScript(redis, [`${options.keyPrefix}:${key}`], [limit, want, windowMs])) as [
      number,
      number,
      number,
    ];
  const leases = new Map<string, Lease>();
  let nextSweepAt = 0;

  /** Leases of ended windows are dropped once per window, so idle keys cost no memory. */
  const sweep = (now: number) => {
    if (now < nextSweepAt) return;
    nextSweepAt = now + windowMs;
    for (const [key, lease] of leases) {
      if (lease.expiresAt <= now && !lease.refill) leases.delete(key);
    }
  };

  const leaseOf = (key: string, now: number): Lease => {
    let lease = leases.get(key);
    if (!lease) {
      lease = {
        expiresAt: 0,
        generation: 0,
        permits: 0,
        poolRemaining: limit,
        exhausted: false,
        size: 1,
        served: 0,
        since: now,
        refill: undefined,
      };
      leases.set(key, lease);
    }
    return lease;
  };

  const nextSize = (lease: Lease, now: number): number => {
    const elapsed = now - lease.since;
    const perMs = elapsed > 0 ? lease.served / elapsed : 0;
    lease.served = 0;
    lease.since = now;
    return Math.min(maxLease, Math.max(1, Math.ceil(perMs * options.coverMs)));
  };

  const refill = async (key: string, lease: Lease, needed: number): Promise<Error | undefined> => {
    // As rate-limiter-flexible's rejectIfRedisNotReady: fail fast into the insurance limiter.
    if (redis.status !== 'ready') return new Error(`Redis is ${redis.status}`);
    const sentAt = performance.now();
    lease.size = nextSize(lease, sentAt);
    const live = sentAt < lease.expiresAt;
    const held = live ? lease.permits : 0;
    const want = Math.max(lease.size, needed - held);
    options.onLease?.();
    let answer: [number, number, number];
    try {
      answer = await grant(key, want);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    const [granted, used, pttl] = answer;
    const expiresAt = sentAt + pttl;
    if (live) {
      // Held permits and the new grant may belong to two windows if Redis's rolled over in
      // flight: the earlier end bounds both (the new grant may be lost, never over-used).
      lease.expiresAt = Math.min(lease.expiresAt, expiresAt);
      lease.permits += granted;
    } else {
      lease.generation += 1;
      lease.expiresAt = expiresAt;
      lease.permits = granted;
    }
    lease.poolRemaining = Math.max(0, limit - used);
    lease.exhausted = granted < want;
    return undefined;
  };

  const startRefill = (key: string, lease: Lease, needed: number) => {
    const pending = refill(key, lease, needed);
    lease.refill = pending;
    void pending.then(() => {
      if (lease.refill === pending) lease.refill = undefined;
    });
    return pending;
  };

  const take = (lease: Lease, points: number, now: number): Count => {
    lease.permits -= points;
    lease.served += points;
    const generation = lease.generation;
    return {
      consumed: limit - Math.max(0, lease.poolRemaining + lease.permits),
      msBeforeNext: Math.max(0, lease.expiresAt - now),
      refund: async () => {
        if (lease.generation === generation && performance.now() < lease.expiresAt) {
          lease.permits += points;
        }
      },
    };
  };

  const refuse = (lease: Lease, points: number, now: number): Count => ({
    consumed: limit + points,
    msBeforeNext: Math.max(0, lease.expiresAt - now),
    refund: async () => {},
  });

  return {
    async consume(key, points) {
      sweep(performance.now());
      for (;;) {
        const now = performance.now();
        const lease = leaseOf(key, now);
        const live = now < lease.expiresAt;
        if (live && lease.permits >= points) return take(lease, points, now);
        if (live && lease.exhausted) return refuse(lease, points, now);
        const failure = await (lease.refill ?? startRefill(key, lease, points));
        if (failure) return failure;
      }
    },
    heldPermits() {
      const now = performance.now();
      let held = 0;
      for (const lease of leases.values()) if (now < lease.expiresAt) held += lease.permits;
      return held;
    },
  };
}
