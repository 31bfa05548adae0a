import type { LeaseOptions } from './leased-counter.js';
import type { SurfaceName } from './surfaces.js';
import type { VariablesLimits } from './variables-limits.js';

/**
 * Every tunable default of the edge in one place, so docs/edge.md and the config agree and a
 * reviewer sees the whole policy at a glance. config.ts overrides them from the environment.
 */

/** Abuse limits checked on every operation before any BFF is called. */
export interface AbuseLimits extends VariablesLimits {
  /** Largest request body in bytes (a JSON batch counts as one body). */
  maxBodyBytes: number;
  /** Lexer tokens per document; parsing stops at the limit, so a huge document costs little. */
  maxTokens: number;
  /** Deepest field nesting, counted through fragments. */
  maxDepth: number;
  /** Aliased fields per operation, counted through fragments. */
  maxAliases: number;
  /** Directive uses per operation. */
  maxDirectives: number;
  /** Static cost of one operation (see query-cost.ts). */
  maxCost: number;
  /** Operations in one JSON array batch; 1 means batches are refused. */
  maxBatch: number;
}

const PARTNER_ABUSE_LIMITS: AbuseLimits = {
  maxVariablesDepth: 10,
  maxVariablesValues: 500,
  maxBodyBytes: 64 * 1024,
  maxTokens: 2000,
  maxDepth: 8,
  maxAliases: 10,
  maxDirectives: 5,
  maxCost: 1000,
  maxBatch: 5,
};

export const DEFAULT_ABUSE_LIMITS: Readonly<Record<SurfaceName, AbuseLimits>> = Object.freeze({
  web: {
    maxVariablesDepth: 10,
    maxVariablesValues: 1000,
    maxBodyBytes: 256 * 1024,
    maxTokens: 5000,
    maxDepth: 12,
    maxAliases: 30,
    maxDirectives: 20,
    maxCost: 5000,
    maxBatch: 10,
  },
  mobile: {
    maxVariablesDepth: 10,
    maxVariablesValues: 500,
    maxBodyBytes: 64 * 1024,
    maxTokens: 2000,
    maxDepth: 10,
    maxAliases: 15,
    maxDirectives: 10,
    maxCost: 2000,
    maxBatch: 5,
  },
  // Both partner versions are one partner contract: the same limits, whichever schema.
  'partner-v1': PARTNER_ABUSE_LIMITS,
  'partner-v2': PARTNER_ABUSE_LIMITS,
});

/** Cost model: objects cost more than scalars, lists multiply by their `first`/`last` size. */
export const DEFAULT_COST_MODEL = Object.freeze({
  objectCost: 1,
  scalarCost: 0,
  /** Assumed size of a list whose size argument is absent or a variable. */
  defaultListSize: 10,
  /** Arguments that bound a list's size. */
  listSizeArguments: ['first', 'last', 'limit'] as readonly string[],
});

/** Who a request is counted against. */
export type RateLimitClass = 'user' | 'anonymous' | 'partner-free' | 'partner-pro';

export interface RequestLimit {
  /** Requests allowed per window. */
  points: number;
}

export const DEFAULT_RATE_LIMITS = Object.freeze({
  /** Length of every limiter window in seconds. */
  windowS: 60,
  requests: {
    user: { points: 600 },
    anonymous: { points: 60 },
    'partner-free': { points: 120 },
    'partner-pro': { points: 1200 },
  } satisfies Record<RateLimitClass, RequestLimit>,
  /**
   * Mutations per user per window, web and mobile together, within the request limit: each
   * placed order is a saga kept for 30 days, and an order that fails costs the user nothing, so
   * the request limit alone let one account create 600 sagas a minute.
   */
  userMutations: 60,
  /** Query-cost budget per partner key per window (Shopify's "maximumAvailable"). */
  costBudget: { free: 1000, pro: 10_000 } satisfies Record<'free' | 'pro', number>,
  /** Gateway instances expected to share one Redis; sizes the in-memory insurance limiter. */
  instances: 2,
  /** Prefix of every limiter key in Redis. */
  prefix: 'edge:rl',
});

/**
 * Requests one caller may have in flight at one gateway: a page load's parallel queries fit
 * (browsers open six connections per host), a burst that would hold a BFF's upstream slots
 * does not.
 */
export const DEFAULT_IN_FLIGHT_LIMITS: Readonly<Record<RateLimitClass, number>> = Object.freeze({
  user: 16,
  anonymous: 4,
  'partner-free': 8,
  'partner-pro': 32,
});

/** What a surface does while the limiter's Redis is unreachable. */
export type FailMode = 'open' | 'closed';

export const DEFAULT_FAIL_MODES: Readonly<Record<SurfaceName, FailMode>> = Object.freeze({
  web: 'open',
  mobile: 'open',
  'partner-v1': 'open',
  'partner-v2': 'open',
});

/**
 * How a surface's request limits are counted: `leased` takes permits from Redis in batches (about
 * one Redis call per K requests of a busy key, see leased-counter.ts), `exact` asks Redis on
 * every request. Partner surfaces stay exact: their traffic is the lowest, and their answers
 * report the budget left to the unit. Cost budgets are always exact.
 */
export type LimitMode = 'leased' | 'exact';

export const DEFAULT_LIMIT_MODES: Readonly<Record<SurfaceName, LimitMode>> = Object.freeze({
  web: 'leased',
  mobile: 'leased',
  'partner-v1': 'exact',
  'partner-v2': 'exact',
});

/** Lease sizing: 100 ms of a key's traffic per Redis call, at most 5% of its limit. */
export const DEFAULT_LEASE: Readonly<LeaseOptions> = Object.freeze({
  coverMs: 100,
  maxFraction: 0.05,
});

/** Automatic persisted queries kept per gateway process. */
export const DEFAULT_APQ_CACHE_SIZE = 10_000;
/**
 * And the bytes of their text: any client may register a document of up to a body's size, so
 * the count alone would allow 10,000 x 64 KB.
 */
export const APQ_CACHE_BYTES = 16 * 1024 * 1024;

/** How long a partner key record is trusted without asking the store (revocation delay). */
export const KEY_CACHE_TTL_MS = 500;
/** How long a last-known key record may be used while the key store is unreachable. */
export const KEY_STALE_IF_ERROR_MS = 5 * 60_000;
