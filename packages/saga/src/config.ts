import { join } from 'node:path';
import {
  DEFAULT_PORTS,
  env,
  loadConfig,
  localUrl,
  type OperatorAuthConfig,
  operatorAuthEnv,
  operatorAuthOf,
  type RedisTarget,
  redisEnv,
  redisOf,
  type TracingConfig,
  z,
} from '@edge/common';
import { DEFAULT_COMPENSATION_AGE_ALERT_MS } from './compensation-age-alert.js';
import { DEFAULT_LEADER_TTL_MS } from './leader-lease.js';
import { DEFAULT_ORDER_STREAM_MAX_LEN } from './order-stream-trim.js';
import type { ProviderRateLimit } from './pacing-policy.js';
import type { ProviderName } from './provider-client.js';
import { DEFAULT_RECONCILE_INTERVAL_MS } from './reconciliation-job.js';
import {
  DEFAULT_DURABILITY_TIMEOUT_MS,
  parseDurability,
  type SagaDurability,
} from './redis-durability.js';
import { STEP_NAMES, type StepName } from './saga.js';
import { DEFAULT_HOUSEKEEPING_INTERVAL_MS } from './saga-housekeeping.js';
import type { SagaPolicyOverrides } from './saga-policies.js';
import { DEFAULT_SAGA_RETENTION_MS } from './saga-retention.js';

const optionalMs = z.coerce.number().int().min(0).optional();
const optionalCount = z.coerce.number().int().min(1).optional();
const optionalRate = z.coerce.number().positive().optional();

/** `refund_payment=172800000,cancel_shipment=3600000`: a horizon per step, overriding its class. */
const stepHorizons = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const horizons: Partial<Record<StepName, number>> = {};
    for (const entry of (value ?? '').split(',').filter((e) => e.trim() !== '')) {
      const [name = '', ms = ''] = entry.split('=').map((part) => part.trim());
      const horizon = Number(ms);
      if (!STEP_NAMES.includes(name as StepName) || !Number.isInteger(horizon) || horizon < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `expected step=ms pairs with steps among ${STEP_NAMES.join(', ')}; got "${entry}"`,
        });
        return z.NEVER;
      }
      horizons[name as StepName] = horizon;
    }
    return horizons;
  });

/** Settings that no longer exist: refused with what replaced them, never silently ignored. */
function removed(names: string[], message: string) {
  return Object.fromEntries(
    names.map((name) => [name, z.never({ error: `${name} was removed: ${message}` }).optional()]),
  );
}

const schema = z.object({
  SAGA_PORT: env.optionalPort(),
  PORT: env.optionalPort(),
  HOST: z.string().default('127.0.0.1'),
  /**
   * When set, the operator page and operator API listen here and the order API alone on
   * SAGA_PORT, so the network can let BFFs reach one and operators the other.
   */
  OPERATOR_PORT: env.optionalPort(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ...operatorAuthEnv,
  /** Public half of the edge key: the identity a BFF forwards is verified with it. */
  EDGE_PUBLIC_KEY_FILE: z.string().optional(),
  ...redisEnv,
  STORE_MODE: env.storeMode(),
  DATA_DIR: z.string().default('./.data'),
  SAGA_KEY_PREFIX: z.string().min(1).default('saga:'),
  /** What a saga transition waits for before it is acknowledged (docs/redis.md). */
  SAGA_REDIS_DURABILITY: z.string().default('none'),
  SAGA_REDIS_DURABILITY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_DURABILITY_TIMEOUT_MS),
  ORDER_SERVICE_URL: env.url(localUrl('order')),
  /** A consumers process: the operator page lists and replays event dead letters through it. */
  CONSUMERS_URL: env.url(localUrl('consumers')),
  INVENTORY_SERVICE_URL: env.url(localUrl('inventory')),
  PAYMENT_SERVICE_URL: env.url(localUrl('payment')),
  SHIPPING_SERVICE_URL: env.url(localUrl('shipping')),
  /** Asked whether a partner's order names one of its own customers. */
  USER_SERVICE_URL: env.url(localUrl('user')),
  ALERT_WEBHOOK_URL: env.optionalUrl(),
  DLQ_ALERT_THRESHOLD: z.coerce.number().int().min(1).default(1),
  DLQ_ALERT_REPEAT_MS: env.int(60_000),
  DLQ_ALERT_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  COMPENSATION_AGE_ALERT_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_COMPENSATION_AGE_ALERT_MS),
  SAGA_WORKER: env.bool(true),
  SAGA_RETENTION_MS: z.coerce.number().int().min(1).default(DEFAULT_SAGA_RETENTION_MS),
  SAGA_HOUSEKEEPING_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(DEFAULT_HOUSEKEEPING_INTERVAL_MS),
  SAGA_EVENTS_MAX_LEN: z.coerce.number().int().min(1).default(DEFAULT_ORDER_STREAM_MAX_LEN),
  SAGA_LEADER_TTL_MS: z.coerce.number().int().min(300).default(DEFAULT_LEADER_TTL_MS),
  SAGA_RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(DEFAULT_RECONCILE_INTERVAL_MS),
  SAGA_PACE_ORDER_RATE: optionalRate,
  SAGA_PACE_ORDER_BURST: optionalCount,
  SAGA_PACE_INVENTORY_RATE: optionalRate,
  SAGA_PACE_INVENTORY_BURST: optionalCount,
  SAGA_PACE_PAYMENT_RATE: optionalRate,
  SAGA_PACE_PAYMENT_BURST: optionalCount,
  SAGA_PACE_SHIPPING_RATE: optionalRate,
  SAGA_PACE_SHIPPING_BURST: optionalCount,
  SAGA_FORWARD_TIMEOUT_MS: optionalMs,
  SAGA_FORWARD_BASE_DELAY_MS: optionalMs,
  SAGA_FORWARD_MAX_DELAY_MS: optionalMs,
  SAGA_FORWARD_HORIZON_MS: optionalCount,
  SAGA_COMPENSATION_TIMEOUT_MS: optionalMs,
  SAGA_COMPENSATION_BASE_DELAY_MS: optionalMs,
  SAGA_COMPENSATION_MAX_DELAY_MS: optionalMs,
  SAGA_COMPENSATION_HORIZON_MS: optionalCount,
  SAGA_STEP_HORIZONS: stepHorizons,
  ...removed(
    ['SAGA_FORWARD_MAX_ATTEMPTS', 'SAGA_COMPENSATION_MAX_ATTEMPTS'],
    'steps retry on a time horizon, not an attempt count; see SAGA_*_HORIZON_MS',
  ),
  ...removed(
    ['SAGA_FORWARD_BUDGET_MS', 'SAGA_COMPENSATION_BUDGET_MS'],
    'renamed SAGA_FORWARD_HORIZON_MS / SAGA_COMPENSATION_HORIZON_MS (per step, from its first attempt)',
  ),
  SAGA_BREAKER_RESET_MS: optionalMs,
  SAGA_BREAKER_VOLUME_THRESHOLD: optionalMs,
  SAGA_LEASE_TTL_MS: optionalCount,
  SAGA_POLL_INTERVAL_MS: optionalCount,
  SAGA_MAX_CONCURRENT: optionalCount,
  SAGA_STUCK_AFTER_MS: optionalMs,
  LOG_LEVEL: env.logLevel(),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint(),
});

/** An operator's pacing override for one provider, when its rate is set. */
function rateLimit(rate: number | undefined, burst: number | undefined): ProviderRateLimit[] {
  if (rate === undefined) return [];
  return [burst === undefined ? { ratePerSec: rate } : { ratePerSec: rate, burst }];
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface SagaConfig {
  port: number;
  host: string;
  /** Port of the operator page and API; undefined: everything on `port`. */
  operatorPort: number | undefined;
  production: boolean;
  auth: OperatorAuthConfig & { edgePublicKeyFile: string };
  redis: RedisTarget;
  tracing: TracingConfig;
  storeMode: 'auto' | 'redis' | 'memory';
  dataDir: string;
  keyPrefix: string;
  durability: SagaDurability;
  serviceUrls: { order: string; inventory: string; payment: string; shipping: string };
  userServiceUrl: string;
  consumersUrl: string;
  alerts: {
    webhookUrl: string | undefined;
    threshold: number;
    repeatMs: number;
    intervalMs: number;
    /** Age of the oldest pending compensation that fires its alert. */
    compensationAgeMs: number;
  };
  runWorker: boolean;
  /** Finished sagas are kept this long, then expire with their index entries. */
  retentionMs: number;
  housekeepingIntervalMs: number;
  /** Cap of the OrderConfirmed stream (never below what a consumer group has not processed). */
  eventsMaxLen: number;
  /** Lease of the leader that delivers alerts, reconciles and sweeps. */
  leaderTtlMs: number;
  /** How often the leader reconciles sagas with the providers' records. */
  reconcileIntervalMs: number;
  /** Published limits overriding the defaults, per provider. */
  rateLimits: Partial<Record<ProviderName, ProviderRateLimit>>;
  policies: SagaPolicyOverrides;
  logLevel: string;
}

/** The only place that reads process.env: validated once, frozen. */
export function loadSagaConfig(
  source: Record<string, string | undefined> = process.env,
): Readonly<SagaConfig> {
  const e = loadConfig(schema, source);
  const durability = durabilityOf(e.SAGA_REDIS_DURABILITY, e.SAGA_REDIS_DURABILITY_TIMEOUT_MS);
  if (durability.mode !== 'none' && e.REDIS_CLUSTER_NODES.length > 0) {
    // WAIT/WAITAOF count the writes of the connection they run on; a cluster client sends
    // them to an arbitrary node, so the answer would say nothing about the saga's write.
    throw new Error(
      'Invalid configuration:\n  SAGA_REDIS_DURABILITY: not supported with REDIS_CLUSTER_NODES (use none)',
    );
  }
  const production = e.NODE_ENV === 'production';
  const operatorAuth = operatorAuthOf(e, e.DATA_DIR, production);
  return Object.freeze({
    port: e.SAGA_PORT ?? e.PORT ?? DEFAULT_PORTS.saga,
    host: e.HOST,
    operatorPort: e.OPERATOR_PORT,
    production,
    auth: {
      ...operatorAuth,
      edgePublicKeyFile: e.EDGE_PUBLIC_KEY_FILE ?? join(e.DATA_DIR, 'keys', 'edge.json'),
    },
    redis: redisOf(e),
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT },
    storeMode: e.STORE_MODE,
    dataDir: e.DATA_DIR,
    keyPrefix: e.SAGA_KEY_PREFIX,
    durability,
    consumersUrl: e.CONSUMERS_URL,
    serviceUrls: {
      order: e.ORDER_SERVICE_URL,
      inventory: e.INVENTORY_SERVICE_URL,
      payment: e.PAYMENT_SERVICE_URL,
      shipping: e.SHIPPING_SERVICE_URL,
    },
    userServiceUrl: e.USER_SERVICE_URL,
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL,
      threshold: e.DLQ_ALERT_THRESHOLD,
      repeatMs: e.DLQ_ALERT_REPEAT_MS,
      intervalMs: e.DLQ_ALERT_INTERVAL_MS,
      compensationAgeMs: e.COMPENSATION_AGE_ALERT_MS,
    },
    runWorker: e.SAGA_WORKER,
    retentionMs: e.SAGA_RETENTION_MS,
    housekeepingIntervalMs: e.SAGA_HOUSEKEEPING_INTERVAL_MS,
    eventsMaxLen: e.SAGA_EVENTS_MAX_LEN,
    leaderTtlMs: e.SAGA_LEADER_TTL_MS,
    reconcileIntervalMs: e.SAGA_RECONCILE_INTERVAL_MS,
    rateLimits: Object.fromEntries(
      (
        [
          ['order', rateLimit(e.SAGA_PACE_ORDER_RATE, e.SAGA_PACE_ORDER_BURST)],
          ['inventory', rateLimit(e.SAGA_PACE_INVENTORY_RATE, e.SAGA_PACE_INVENTORY_BURST)],
          ['payment', rateLimit(e.SAGA_PACE_PAYMENT_RATE, e.SAGA_PACE_PAYMENT_BURST)],
          ['shipping', rateLimit(e.SAGA_PACE_SHIPPING_RATE, e.SAGA_PACE_SHIPPING_BURST)],
        ] as const
      ).flatMap(([provider, limits]) => limits.map((limit) => [provider, limit])),
    ),
    policies: {
      forward: defined({
        timeoutMs: e.SAGA_FORWARD_TIMEOUT_MS,
        baseDelayMs: e.SAGA_FORWARD_BASE_DELAY_MS,
        maxDelayMs: e.SAGA_FORWARD_MAX_DELAY_MS,
        horizonMs: e.SAGA_FORWARD_HORIZON_MS,
      }),
      compensation: defined({
        timeoutMs: e.SAGA_COMPENSATION_TIMEOUT_MS,
        baseDelayMs: e.SAGA_COMPENSATION_BASE_DELAY_MS,
        maxDelayMs: e.SAGA_COMPENSATION_MAX_DELAY_MS,
        horizonMs: e.SAGA_COMPENSATION_HORIZON_MS,
      }),
      stepHorizonMs: e.SAGA_STEP_HORIZONS,
      breaker: defined({
        resetTimeoutMs: e.SAGA_BREAKER_RESET_MS,
        volumeThreshold: e.SAGA_BREAKER_VOLUME_THRESHOLD,
      }),
      ...defined({
        leaseTtlMs: e.SAGA_LEASE_TTL_MS,
        pollIntervalMs: e.SAGA_POLL_INTERVAL_MS,
        maxConcurrentSagas: e.SAGA_MAX_CONCURRENT,
        stuckAfterMs: e.SAGA_STUCK_AFTER_MS,
      }),
    },
    logLevel: e.LOG_LEVEL,
  });
}

function durabilityOf(value: string, timeoutMs: number): SagaDurability {
  try {
    return parseDurability(value, timeoutMs);
  } catch (err) {
    throw new Error(`Invalid configuration:\n  SAGA_REDIS_DURABILITY: ${(err as Error).message}`);
  }
}
