import {
  DEFAULT_LAG_MONITOR_OPTIONS,
  DEFAULT_PRODUCT_EVENTS_STREAM,
  DEFAULT_READ_MODEL_PREFIX,
} from '@edge/catalog-events';
import {
  DEFAULT_PORTS,
  env,
  loadConfig,
  type RedisTarget,
  redisEnv,
  redisOf,
  type StoreMode,
  z,
} from '@edge/common';
import { DEFAULT_HEARTBEAT_MS } from './product-event-publisher.js';
import type { MockServiceName } from './types.js';

const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: env.logLevel(),
  ORDER_PORT: env.port(DEFAULT_PORTS.order),
  PRODUCT_PORT: env.port(DEFAULT_PORTS.product),
  USER_PORT: env.port(DEFAULT_PORTS.user),
  INVENTORY_PORT: env.port(DEFAULT_PORTS.inventory),
  PAYMENT_PORT: env.port(DEFAULT_PORTS.payment),
  SHIPPING_PORT: env.port(DEFAULT_PORTS.shipping),
  NOTIFICATION_PORT: env.port(DEFAULT_PORTS.notification),
  ...redisEnv,
  STORE_MODE: env.storeMode(),
  PRODUCT_EVENTS_STREAM: z.string().min(1).default(DEFAULT_PRODUCT_EVENTS_STREAM),
  READ_MODEL_PREFIX: z.string().min(1).default(DEFAULT_READ_MODEL_PREFIX),
  PRODUCT_HEARTBEAT_MS: env.int(DEFAULT_HEARTBEAT_MS),
  PROJECTION_LAG_THRESHOLD_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_LAG_MONITOR_OPTIONS.thresholdMs),
  PROJECTION_LAG_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(DEFAULT_LAG_MONITOR_OPTIONS.intervalMs),
  PROJECTION_LAG_REPEAT_MS: env.int(DEFAULT_LAG_MONITOR_OPTIONS.repeatMs),
  ALERT_WEBHOOK_URL: env.optionalUrl(),
});

export interface ServicesMockConfig {
  host: string;
  logLevel: string;
  ports: Readonly<Record<MockServiceName, number>>;
  /** `REDIS_URL` for one node, or `REDIS_CLUSTER_NODES` for a cluster. */
  redis: RedisTarget;
  /** With Redis, product changes and heartbeats go to the stream and projection lag is watched. */
  storeMode: StoreMode;
  productEvents: {
    stream: string;
    heartbeatMs: number;
    readModelPrefix: string;
    lagThresholdMs: number;
    lagIntervalMs: number;
    lagRepeatMs: number;
    alertWebhookUrl: string | undefined;
  };
}

/** The only reader of the environment in this package; fails at start on a bad value. */
export function loadServicesMockConfig(
  source: Record<string, string | undefined> = process.env,
): Readonly<ServicesMockConfig> {
  const raw = loadConfig(schema, source);
  return Object.freeze({
    host: raw.HOST,
    logLevel: raw.LOG_LEVEL,
    ports: Object.freeze({
      order: raw.ORDER_PORT,
      product: raw.PRODUCT_PORT,
      user: raw.USER_PORT,
      inventory: raw.INVENTORY_PORT,
      payment: raw.PAYMENT_PORT,
      shipping: raw.SHIPPING_PORT,
      notification: raw.NOTIFICATION_PORT,
    }),
    redis: redisOf(raw),
    storeMode: raw.STORE_MODE,
    productEvents: Object.freeze({
      stream: raw.PRODUCT_EVENTS_STREAM,
      heartbeatMs: raw.PRODUCT_HEARTBEAT_MS,
      readModelPrefix: raw.READ_MODEL_PREFIX,
      lagThresholdMs: raw.PROJECTION_LAG_THRESHOLD_MS,
      lagIntervalMs: raw.PROJECTION_LAG_INTERVAL_MS,
      lagRepeatMs: raw.PROJECTION_LAG_REPEAT_MS,
      alertWebhookUrl: raw.ALERT_WEBHOOK_URL,
    }),
  });
}
