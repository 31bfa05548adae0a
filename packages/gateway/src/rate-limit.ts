import {
  AppError,
  Counter,
  ErrorCode,
  Gauge,
  type Logger,
  type RedisClient,
  type Registry,
} from '@edge/common';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimitConfig } from './config.js';
import type { FailMode, RateLimitClass } from './defaults.js';
import { createLeasedCounter, type LeasedCounter } from './leased-counter.js';
import { type Count, exactCounter, type PermitCounter } from './permit-counter.js';
import { type LimitState, rateLimitHeaders } from './rate-limit-headers.js';
import { createSpentLimits } from './spent-limits.js';
import type { SurfaceName } from './surfaces.js';

/** What one request is counted against. */
export interface LimitSubject {
  surface: SurfaceName;
  /** User id, key id or client IP. */
  id: string;
  class: RateLimitClass;
  /** Requests counted: the operations of a batch count one each; default 1. */
  requests?: number;
  /** Mutations the request runs (ten aliased placeOrder are ten); users have a budget of them. */
  mutations?: number;
  /** Partner requests also spend their key's query-cost budget. */
  cost?: { tier: 'free' | 'pro'; keyId: string; requested: number };
}

/** The partner's cost budget after this request (Shopify/GitHub-style `throttleStatus`). */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  /** Budget regained per second on average (the whole budget returns at the window's end). */
  restoreRate: number;
}

export interface LimitAnswer {
  /** Headers for the response: RateLimit-Policy and RateLimit with the remaining budget. */
  headers: Record<string, string>;
  throttleStatus: ThrottleStatus | undefined;
  /** True while counts come from the per-instance insurance limiter, not Redis. */
  degraded: boolean;
}

/** One counter a request is checked against, named as the headers and metrics name it. */
interface Check {
  name: 'requests' | 'mutations' | 'cost';
  pair: Pair;
  /** The pair's exact or leased counter, as the surface's mode says. */
  counter: PermitCounter;
  key: string;
  points: number;
}

/** Where one counter stands after a request, given the limit this instance enforces. */
function limitState(name: Check['name'], limit: number, count: Count): LimitState {
  return {
    name,
    limit,
    remaining: Math.max(0, limit - count.consumed),
    resetMs: count.msBeforeNext,
    exceeded: count.consumed > limit,
  };
}

/**
 * A refused request's state once it has given back what it took: what the caller still has,
 * which a 429 must report (it said 0 cost left while 95 of 100 remained).
 */
function refundedState(state: LimitState, count: Count, points: number): LimitState {
  return { ...state, remaining: Math.max(0, state.limit - Math.max(0, count.consumed - points)) };
}

/** A partner's cost budget as `extensions.cost.throttleStatus` reports it; none without one. */
function throttleStatusOf(states: LimitState[], windowS: number): ThrottleStatus | undefined {
  const cost = states.find((state) => state.name === 'cost');
  return cost
    ? {
        maximumAvailable: cost.limit,
        currentlyAvailable: cost.remaining,
        restoreRate: Math.round((cost.limit / windowS) * 100) / 100,
      }
    : undefined;
}

interface Pair {
  /** One Redis call per request, or with the embedded store (no Redis) an in-process limiter. */
  exact: PermitCounter;
  /** Permits leased from Redis in batches; absent with the embedded store. */
  leased: LeasedCounter | undefined;
  /** Per-instance fallback, sized as the global limit shared by the expected instances. */
  insurance: PermitCounter;
  points: number;
  insurancePoints: number;
}

export interface RateLimiterDeps {
  redis: RedisClient | undefined;
  config: RateLimitConfig;
  registry: Registry;
  log: Logger;
}

/**
 * Distributed rate limits on Redis. A surface in `exact` mode makes one Redis round trip per
 * request (rate-limiter-flexible; a partner's request counter and cost budget are sent in the
 * same tick on a client with auto-pipelining, so ioredis writes them as one pipeline). A surface
 * in `leased` mode spends permits this instance leased in batches (leased-counter.ts), so a busy
 * key costs about one Redis call per lease; cost budgets are always exact.
 *
 * The insurance limiter is wired by hand rather than through the library's `insuranceLimiter`
 * option, because that option swallows the store error: here every degraded answer is counted,
 * logged on entry and exit, and a surface configured fail-closed refuses instead.
 */
export function createRateLimiter(deps: RateLimiterDeps) {
  const { config, log } = deps;
  const degradedGauge = new Gauge({
    name: 'gateway_rate_limit_degraded',
    help: '1 while the rate limiter cannot reach Redis and runs on per-instance insurance limits',
    registers: [deps.registry],
  });
  const degradedRequests = new Counter({
    name: 'gateway_rate_limit_degraded_requests_total',
    help: 'Requests decided without Redis, by surface and fail mode',
    labelNames: ['surface', 'mode'] as const,
    registers: [deps.registry],
  });
  const limited = new Counter({
    name: 'gateway_rate_limited_total',
    help: 'Requests refused with 429, by surface and limit',
    labelNames: ['surface', 'limit'] as const,
    registers: [deps.registry],
  });
  const leaseCalls = new Counter({
    name: 'gateway_rate_limit_lease_calls_total',
    help: 'Redis calls made to lease permits of leased limits',
    registers: [deps.registry],
  });
  const leased: LeasedCounter[] = [];
  new Gauge({
    name: 'gateway_rate_limit_leased_idle_permits',
    help: 'Permits this instance leased and has not used yet (lost to other instances if unused)',
    registers: [deps.registry],
    collect() {
      this.set(leased.reduce((sum, counter) => sum + counter.heldPermits(), 0));
    },
  });
  degradedGauge.set(0);

  const pair = (name: string, points: number): Pair => {
    const insurancePoints = Math.max(1, Math.ceil(points / config.instances));
    const keyPrefix = `${config.prefix}:${name}`;
    const redis = deps.redis;
    const lease = redis
      ? createLeasedCounter({
          ...config.lease,
          redis,
          keyPrefix,
          limit: points,
          windowMs: config.windowS * 1000,
          onLease: () => leaseCalls.inc(),
        })
      : undefined;
    if (lease) leased.push(lease);
    return {
      exact: exactCounter(
        redis
          ? new RateLimiterRedis({
              storeClient: redis,
              keyPrefix,
              points,
              duration: config.windowS,
              rejectIfRedisNotReady: true,
            })
          : new RateLimiterMemory({ keyPrefix: name, points, duration: config.windowS }),
      ),
      leased: lease,
      insurance: exactCounter(
        new RateLimiterMemory({ keyPrefix, points: insurancePoints, duration: config.windowS }),
      ),
      points,
      insurancePoints,
    };
  };
  const requests = {
    user: pair('req:user', config.requests.user),
    anonymous: pair('req:anonymous', config.requests.anonymous),
    'partner-free': pair('req:partner-free', config.requests['partner-free']),
    'partner-pro': pair('req:partner-pro', config.requests['partner-pro']),
  } satisfies Record<RateLimitClass, Pair>;
  const userMutations = pair('mut:user', config.userMutations);
  const costs = {
    free: pair('cost:free', config.costBudget.free),
    pro: pair('cost:pro', config.costBudget.pro),
  };

  let degraded = false;
  const markDegraded = (err: unknown) => {
    if (degraded) return;
    degraded = true;
    degradedGauge.set(1);
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate limiter lost Redis: using per-instance insurance limits',
    );
  };
  const markHealthy = () => {
    if (!degraded) return;
    degraded = false;
    degradedGauge.set(0);
    log.info('rate limiter back on Redis');
  };

  /**
   * A refused request gives back what it took from every counter, so a 429 spends nothing: a
   * partner over its request limit keeps its cost budget, and hammering past a limit does not
   * push its reset further away. A failed refund only errs on the caller's side (less budget).
   */
  const refund = async (counts: Count[]) => {
    await Promise.all(counts.map((c) => c.refund()));
  };

  const consumeAll = async (checks: Check[], surface: SurfaceName, mode: FailMode) => {
    const answers = await Promise.all(checks.map((c) => c.counter.consume(c.key, c.points)));
    const failure = answers.find((a): a is Error => a instanceof Error);
    if (!failure) {
      markHealthy();
      return { answers: answers as Count[], degraded: false };
    }
    // What the healthy counters took is given back: the insurance limiter decides alone.
    await refund(answers.filter((a): a is Count => !(a instanceof Error)));
    markDegraded(failure);
    degradedRequests.inc({ surface, mode });
    if (mode === 'closed') {
      throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Rate limiting is unavailable', {
        headers: { 'retry-after': '1' },
        details: { reason: 'rate_limit_store_down' },
      });
    }
    const insured = await Promise.all(checks.map((c) => c.pair.insurance.consume(c.key, c.points)));
    // An in-memory limiter has no store to fail.
    return { answers: insured as Count[], degraded: true };
  };

  const spentLimits = createSpentLimits();
  const requestsKey = (subject: LimitSubject) => `${subject.surface}:${subject.id}`;
  // The counters keep each class apart by their prefix; this one cache holds every class, so it
  // names the class too: an address's spent anonymous limit must not refuse a user whose `sub`
  // is that same string.
  const spentKey = (subject: LimitSubject) => `${subject.class}:${requestsKey(subject)}`;

  /**
   * A refused single request means not even one fits before the window resets, in either mode
   * (a refused batch may only be larger than what is left). Not while degraded: the insurance
   * limit is this instance's share, and Redis may be back before its window ends.
   */
  function noteIfSpent(subject: LimitSubject, check: Check, state: LimitState): void {
    if (state.exceeded && check.points === 1) {
      spentLimits.note(spentKey(subject), state.limit, state.resetMs);
    }
  }

  function refusal(
    surface: SurfaceName,
    over: LimitState[],
    headers: Record<string, string>,
    details: Record<string, unknown> = {},
  ): AppError {
    for (const s of over) limited.inc({ surface, limit: s.name });
    const retryAfterS = Math.max(1, Math.ceil(Math.max(...over.map((s) => s.resetMs)) / 1000));
    return new AppError(
      ErrorCode.RATE_LIMITED,
      `Rate limit exceeded (${over.map((s) => s.name).join(', ')})`,
      {
        headers: { ...headers, 'retry-after': String(retryAfterS) },
        details: { retryAfterS, ...details },
      },
    );
  }

  /**
   * Throw RATE_LIMITED at once for a caller this instance saw spend its request limit, until the
   * window resets: its requests then cost the edge a lookup, not a body read, a parse and a
   * validation (an over-limit caller sending distinct documents made the edge do all three for
   * every refused request). Nothing is counted: the caller is over the limit already.
   */
  function refuseIfSpent(subject: LimitSubject): void {
    const spent = spentLimits.spent(spentKey(subject));
    if (!spent) return;
    const state: LimitState = { name: 'requests', remaining: 0, exceeded: true, ...spent };
    throw refusal(subject.surface, [state], rateLimitHeaders([state], config.windowS));
  }

  /**
   * Count a request; resolves with the headers to send, or throws RATE_LIMITED (429 with
   * Retry-After) or, on a fail-closed surface without Redis, UPSTREAM_UNAVAILABLE (503).
   */
  async function consume(subject: LimitSubject): Promise<LimitAnswer> {
    const mode = config.failModes[subject.surface];
    const reqPair = requests[subject.class];
    const leased = config.modes[subject.surface] === 'leased' ? reqPair.leased : undefined;
    const checks: Check[] = [
      {
        name: 'requests',
        pair: reqPair,
        counter: leased ?? reqPair.exact,
        key: requestsKey(subject),
        points: subject.requests ?? 1,
      },
    ];
    if (subject.class === 'user' && (subject.mutations ?? 0) > 0) {
      checks.push({
        name: 'mutations',
        pair: userMutations,
        counter: (leased ? userMutations.leased : undefined) ?? userMutations.exact,
        // Per user, not per surface: web and mobile share the budget.
        key: subject.id,
        points: subject.mutations ?? 0,
      });
    }
    const costPair = subject.cost ? costs[subject.cost.tier] : undefined;
    if (subject.cost && costPair) {
      checks.push({
        name: 'cost',
        pair: costPair,
        counter: costPair.exact,
        key: subject.cost.keyId,
        points: subject.cost.requested,
      });
    }
    const { answers, degraded: isDegraded } = await consumeAll(checks, subject.surface, mode);
    // While degraded, this instance enforces (and reports) its share of each limit.
    const limitOf = (p: Pair) => (isDegraded ? p.insurancePoints : p.points);
    // consumeAll answers one result per check, in the checks' order.
    const states = checks.map((check, i) =>
      limitState(check.name, limitOf(check.pair), answers[i] as Count),
    );
    const over = states.filter((s) => s.exceeded);
    if (!isDegraded) noteIfSpent(subject, checks[0] as Check, states[0] as LimitState);
    if (over.length > 0) {
      await refund(answers);
      const left = states.map((state, i) =>
        refundedState(state, answers[i] as Count, checks[i]?.points ?? 0),
      );
      const throttleStatus = throttleStatusOf(left, config.windowS);
      throw refusal(
        subject.surface,
        over,
        rateLimitHeaders(left, config.windowS),
        throttleStatus && subject.cost
          ? { cost: { requestedQueryCost: subject.cost.requested, throttleStatus } }
          : {},
      );
    }
    const headers = rateLimitHeaders(states, config.windowS);
    return {
      headers,
      throttleStatus: throttleStatusOf(states, config.windowS),
      degraded: isDegraded,
    };
  }

  return { consume, refuseIfSpent };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
