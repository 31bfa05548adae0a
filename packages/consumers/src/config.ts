import { hostname } from 'node:os';
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
  type StoreMode,
  z,
} from '@edge/common';
import { DEFAULT_SAGA_KEY_PREFIX, orderEventsStream } from '@edge/order-events';
import { CONSUMER_GROUPS, type ConsumerGroup } from './consumer-groups.js';
import { DEFAULT_CONSUMER_OPTIONS } from './consumer-runtime.js';
import { DEFAULT_FRAUD_THRESHOLDS } from './fraud-scoring.js';
import { DEFAULT_MONITOR_OPTIONS } from './group-monitor.js';
import { DEFAULT_DEDUPE_TTL_MS } from './redis-event-log.js';

const positive = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = z.object({
  CONSUMERS_PORT: env.optionalPort(),
  PORT: env.optionalPort(),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: env.logLevel(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // The saga's operator sign-in variables and defaults: one operator token serves both.
  ...operatorAuthEnv,
  DATA_DIR: z.string().default('./.data'),
  STORE_MODE: env.storeMode(),
  ...redisEnv,
  // The saga's variable: the stream sits under the saga store's key head.
  SAGA_KEY_PREFIX: z.string().min(1).default(DEFAULT_SAGA_KEY_PREFIX),
  ORDER_EVENTS_STREAM: z.string().min(1).optional(),
  ORDER_EVENTS_FILE: z.string().min(1).optional(),
  CONSUMER_GROUPS: z
    .string()
    .default(CONSUMER_GROUPS.join(','))
    .transform((raw, ctx) => {
      const groups = raw
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      const unknown = groups.filter((g) => !(CONSUMER_GROUPS as readonly string[]).includes(g));
      if (unknown.length > 0 || groups.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `groups are ${CONSUMER_GROUPS.join(', ')}; got ${raw}`,
        });
        return z.NEVER;
      }
      return groups as ConsumerGroup[];
    }),
  CONSUMER_NAME: z.string().min(1).optional(),
  CONSUMER_BATCH: positive(DEFAULT_CONSUMER_OPTIONS.batch),
  CONSUMER_BLOCK_MS: positive(DEFAULT_CONSUMER_OPTIONS.blockMs),
  CONSUMER_CLAIM_IDLE_MS: positive(DEFAULT_CONSUMER_OPTIONS.claimIdleMs),
  CONSUMER_MAX_DELIVERIES: positive(DEFAULT_CONSUMER_OPTIONS.maxDeliveries),
  CONSUMER_RETRY_DELAY_MS: positive(DEFAULT_CONSUMER_OPTIONS.retryDelayMs),
  CONSUMER_RETRY_MAX_DELAY_MS: positive(DEFAULT_CONSUMER_OPTIONS.retryMaxDelayMs),
  CONSUMER_RETRY_HORIZON_MS: positive(DEFAULT_CONSUMER_OPTIONS.retryHorizonMs),
  CONSUMER_HEARTBEAT_MS: positive(DEFAULT_CONSUMER_OPTIONS.heartbeatMs),
  CONSUMER_HANDLER_TIMEOUT_MS: positive(DEFAULT_CONSUMER_OPTIONS.handlerTimeoutMs),
  CONSUMER_CONCURRENCY: positive(DEFAULT_CONSUMER_OPTIONS.concurrency),
  CONSUMER_DEDUPE_TTL_MS: positive(DEFAULT_DEDUPE_TTL_MS),
  CONSUMER_MONITOR_INTERVAL_MS: positive(DEFAULT_MONITOR_OPTIONS.intervalMs),
  CONSUMER_DEAD_AFTER_MS: positive(DEFAULT_MONITOR_OPTIONS.deadAfterMs),
  CONSUMER_MAX_AGE_MS: positive(DEFAULT_MONITOR_OPTIONS.maxAgeMs),
  CONSUMER_DLQ_ALERT_THRESHOLD: positive(DEFAULT_MONITOR_OPTIONS.dlqThreshold),
  CONSUMER_ALERT_REPEAT_MS: positive(DEFAULT_MONITOR_OPTIONS.repeatMs),
  FRAUD_MAX_TOTAL_CENTS: positive(DEFAULT_FRAUD_THRESHOLDS.maxTotalCents),
  FRAUD_MAX_UNITS: positive(DEFAULT_FRAUD_THRESHOLDS.maxUnits),
  INVENTORY_SERVICE_URL: env.url(localUrl('inventory')),
  USER_SERVICE_URL: env.url(localUrl('user')),
  NOTIFICATION_SERVICE_URL: env.url(localUrl('notification')),
  ALERT_WEBHOOK_URL: env.optionalUrl(),
});

export interface ConsumersConfig {
  port: number;
  host: string;
  logLevel: string;
  /** Who may read (viewer) and replay (operator) dead letters: the saga's operator tokens. */
  auth: OperatorAuthConfig;
  storeMode: StoreMode;
  redis: RedisTarget;
  stream: string;
  /** The embedded log: the saga file store's event file, read when there is no Redis. */
  eventsFile: string;
  /** Where the embedded log keeps each group's state. */
  stateDir: string;
  /** Groups this process consumes; every group is still monitored. */
  groups: readonly ConsumerGroup[];
  /** Unique per process by default (host and pid): two instances never share a pending list. */
  consumerName: string;
  runtime: {
    batch: number;
    blockMs: number;
    claimIdleMs: number;
    maxDeliveries: number;
    retryDelayMs: number;
    retryMaxDelayMs: number;
    retryHorizonMs: number;
    heartbeatMs: number;
    handlerTimeoutMs: number;
    concurrency: number;
  };
  dedupeTtlMs: number;
  monitor: {
    intervalMs: number;
    deadAfterMs: number;
    maxAgeMs: number;
    dlqThreshold: number;
    repeatMs: number;
  };
  fraud: { maxTotalCents: number; maxUnits: number };
  services: { inventory: string; user: string; notification: string };
  alertWebhookUrl: string | undefined;
}

/** The only reader of the environment in this package; fails at start on a bad value. */
export function loadConsumersConfig(
  source: Record<string, string | undefined> = process.env,
): Readonly<ConsumersConfig> {
  const e = loadConfig(schema, source);
  // Otherwise a peer claims entries a live consumer still handles, or still holds unhandled.
  const problems = [
    ...(e.CONSUMER_CLAIM_IDLE_MS <= e.CONSUMER_HANDLER_TIMEOUT_MS
      ? ['CONSUMER_CLAIM_IDLE_MS must exceed CONSUMER_HANDLER_TIMEOUT_MS']
      : []),
    ...(e.CONSUMER_BATCH > e.CONSUMER_CONCURRENCY
      ? ['CONSUMER_BATCH must not exceed CONSUMER_CONCURRENCY']
      : []),
    ...(e.CONSUMER_RETRY_MAX_DELAY_MS < e.CONSUMER_RETRY_DELAY_MS
      ? ['CONSUMER_RETRY_MAX_DELAY_MS must not be below CONSUMER_RETRY_DELAY_MS']
      : []),
  ];
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return Object.freeze({
    port: e.CONSUMERS_PORT ?? e.PORT ?? DEFAULT_PORTS.consumers,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    auth: operatorAuthOf(e, e.DATA_DIR, e.NODE_ENV === 'production'),
    storeMode: e.STORE_MODE,
    redis: redisOf(e),
    stream: e.ORDER_EVENTS_STREAM ?? orderEventsStream(e.SAGA_KEY_PREFIX),
    eventsFile: e.ORDER_EVENTS_FILE ?? join(e.DATA_DIR, 'saga', 'events', 'order-events.jsonl'),
    stateDir: join(e.DATA_DIR, 'consumers'),
    groups: e.CONSUMER_GROUPS,
    consumerName: e.CONSUMER_NAME ?? `${hostname()}-${process.pid}`,
    runtime: {
      batch: e.CONSUMER_BATCH,
      blockMs: e.CONSUMER_BLOCK_MS,
      claimIdleMs: e.CONSUMER_CLAIM_IDLE_MS,
      maxDeliveries: e.CONSUMER_MAX_DELIVERIES,
      retryDelayMs: e.CONSUMER_RETRY_DELAY_MS,
      retryMaxDelayMs: e.CONSUMER_RETRY_MAX_DELAY_MS,
      retryHorizonMs: e.CONSUMER_RETRY_HORIZON_MS,
      heartbeatMs: e.CONSUMER_HEARTBEAT_MS,
      handlerTimeoutMs: e.CONSUMER_HANDLER_TIMEOUT_MS,
      concurrency: e.CONSUMER_CONCURRENCY,
    },
    dedupeTtlMs: e.CONSUMER_DEDUPE_TTL_MS,
    monitor: {
      intervalMs: e.CONSUMER_MONITOR_INTERVAL_MS,
      deadAfterMs: e.CONSUMER_DEAD_AFTER_MS,
      maxAgeMs: e.CONSUMER_MAX_AGE_MS,
      dlqThreshold: e.CONSUMER_DLQ_ALERT_THRESHOLD,
      repeatMs: e.CONSUMER_ALERT_REPEAT_MS,
    },
    fraud: { maxTotalCents: e.FRAUD_MAX_TOTAL_CENTS, maxUnits: e.FRAUD_MAX_UNITS },
    services: {
      inventory: e.INVENTORY_SERVICE_URL,
      user: e.USER_SERVICE_URL,
      notification: e.NOTIFICATION_SERVICE_URL,
    },
    alertWebhookUrl: e.ALERT_WEBHOOK_URL,
  });
}
