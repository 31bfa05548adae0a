import {
  AppError,
  Counter,
  ErrorCode,
  Gauge,
  type Logger,
  type RedisClient,
  type Registry,
} from '@edge/common';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { RateLimitConfig } from './config.js';
import type { FailMode, RateLimitClass } from './defaults.js';
import { type LimitState, rateLimitHeaders } from './rate-limit-headers.js';
import type { SurfaceName } from './surfaces.js';

/** What one request is counted against. */
export interface LimitSubject {
  surface: SurfaceName;
  /** User id, key id or client IP. */
  id: string;
  class: RateLimitClass;
  /** Requests counted: the operations of a batch count one each; default 1. */
  requests?: number;
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
  name: 'requests' | 'cost';
  pair: Pair;
  key: string;
  points: number;
}

/** Where one counter stands after a request, given the limit this instance enforces. */
function limitState(name: Check['name'], limit: number, res: RateLimiterRes): LimitState {
  return {
    name,
    limit,
    remaining: Math.max(0, limit - res.consumedPoints),
    resetMs: res.msBeforeNext,
    exceeded: res.consumedPoints > limit,
  };
}

interface Pair {
  /** Redis-backed, or with the embedded store (no Redis at all) an in-process limiter. */
  primary: RateLimiterAbstract;
  /** Per-instance fallback, sized as the global limit shared by the expected instances. */
  insurance: RateLimiterMemory;
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
 * Distributed rate limits on Redis (rate-limiter-flexible). Every request makes at most one Redis
 * round trip: the request counter and, for partners, the cost budget are sent in the same tick
 * on a client with auto-pipelining, so ioredis writes them as one pipeline.
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
  degradedGauge.set(0);

  const pair = (name: string, points: number): Pair => {
    const insurancePoints = Math.max(1, Math.ceil(points / config.instances));
    return {
      primary: deps.redis
        ? new RateLimiterRedis({
            storeClient: deps.redis,
            keyPrefix: `${config.prefix}:${name}`,
            points,
            duration: config.windowS,
            rejectIfRedisNotReady: true,
          })
        : new RateLimiterMemory({ keyPrefix: name, points, duration: config.windowS }),
      insurance: new RateLimiterMemory({
        keyPrefix: `${config.prefix}:${name}`,
        points: insurancePoints,
        duration: config.windowS,
      }),
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

  /** A limit hit resolves to a RateLimiterRes; a store failure to an Error. */
  const settle = async (
    limiter: RateLimiterAbstract,
    key: string,
    points: number,
  ): Promise<RateLimiterRes | Error> => {
    try {
      return await limiter.consume(key, points);
    } catch (err) {
      if (err instanceof RateLimiterRes) return err;
      return err instanceof Error ? err : new Error(String(err));
    }
  };

  const consumeAll = async (checks: Check[], surface: SurfaceName, mode: FailMode) => {
    let answers = await Promise.all(checks.map((c) => settle(c.pair.primary, c.key, c.points)));
    const failure = answers.find((a): a is Error => a instanceof Error);
    if (!failure) {
      markHealthy();
      return { answers: answers as RateLimiterRes[], degraded: false };
    }
    markDegraded(failure);
    degradedRequests.inc({ surface, mode });
    if (mode === 'closed') {
      throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Rate limiting is unavailable', {
        headers: { 'retry-after': '1' },
        details: { reason: 'rate_limit_store_down' },
      });
    }
    answers = await Promise.all(checks.map((c) => settle(c.pair.insurance, c.key, c.points)));
    return { answers: answers as RateLimiterRes[], degraded: true };
  };

  /**
   * A refused request gives back what it took from every counter, so a 429 spends nothing: a
   * partner over its request limit keeps its cost budget, and hammering past a limit does not
   * push its reset further away. A failed refund only errs on the caller's side (less budget).
   */
  const refund = async (checks: Check[], inMemory: boolean) => {
    await Promise.all(
      checks.map((c) =>
        (inMemory ? c.pair.insurance : c.pair.primary)
          .reward(c.key, c.points)
          .catch(() => undefined),
      ),
    );
  };

  /**
   * Count a request; resolves with the headers to send, or throws RATE_LIMITED (429 with
   * Retry-After) or, on a fail-closed surface without Redis, UPSTREAM_UNAVAILABLE (503).
   */
  async function consume(subject: LimitSubject): Promise<LimitAnswer> {
    const mode = config.failModes[subject.surface];
    const reqPair = requests[subject.class];
    const checks: Check[] = [
      {
        name: 'requests',
        pair: reqPair,
        key: `${subject.surface}:${subject.id}`,
        points: subject.requests ?? 1,
      },
    ];
    const costPair = subject.cost ? costs[subject.cost.tier] : undefined;
    if (subject.cost && costPair) {
      checks.push({
        name: 'cost',
        pair: costPair,
        key: subject.cost.keyId,
        points: subject.cost.requested,
      });
    }
    const { answers, degraded: isDegraded } = await consumeAll(checks, subject.surface, mode);
    // While degraded, this instance enforces (and reports) its share of each limit.
    const limitOf = (p: Pair) => (isDegraded ? p.insurancePoints : p.points);
    // consumeAll answers one result per check, in the checks' order.
    const states = checks.map((check, i) =>
      limitState(check.name, limitOf(check.pair), answers[i] as RateLimiterRes),
    );
    const costState = states.find((state) => state.name === 'cost');
    const throttleStatus: ThrottleStatus | undefined =
      costState && costPair
        ? {
            maximumAvailable: costState.limit,
            currentlyAvailable: costState.remaining,
            restoreRate: Math.round((costState.limit / config.windowS) * 100) / 100,
          }
        : undefined;
    const headers = rateLimitHeaders(states, config.windowS);
    const over = states.filter((s) => s.exceeded);
    if (over.length > 0) {
      await refund(checks, isDegraded);
      for (const s of over) limited.inc({ surface: subject.surface, limit: s.name });
      const retryAfterS = Math.max(1, Math.ceil(Math.max(...over.map((s) => s.resetMs)) / 1000));
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `Rate limit exceeded (${over.map((s) => s.name).join(', ')})`,
        {
          headers: { ...headers, 'retry-after': String(retryAfterS) },
          details: {
            retryAfterS,
            ...(throttleStatus && subject.cost
              ? { cost: { requestedQueryCost: subject.cost.requested, throttleStatus } }
              : {}),
          },
        },
      );
    }
    return { headers, throttleStatus, degraded: isDegraded };
  }

  return { consume };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
