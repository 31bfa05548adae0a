import { hostname } from 'node:os';
import { DEFAULT_PRODUCT_EVENTS_STREAM, DEFAULT_READ_MODEL_PREFIX } from '@edge/catalog-events';
import {
  DEFAULT_PORTS,
  env,
  loadConfig,
  type RedisTarget,
  redisEnv,
  redisOf,
  z,
} from '@edge/common';
import { DEFAULT_PROJECTOR_OPTIONS } from './projector.js';

const schema = z.object({
  PROJECTION_PORT: env.optionalPort(),
  PORT: env.optionalPort(),
  HOST: z.string().min(1).default('127.0.0.1'),
  ...redisEnv,
  PRODUCT_EVENTS_STREAM: z.string().min(1).default(DEFAULT_PRODUCT_EVENTS_STREAM),
  READ_MODEL_PREFIX: z.string().min(1).default(DEFAULT_READ_MODEL_PREFIX),
  PROJECTION_GROUP: z.string().min(1).default(DEFAULT_PROJECTOR_OPTIONS.group),
  PROJECTION_CONSUMER: z.string().min(1).optional(),
  PROJECTION_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(DEFAULT_PROJECTOR_OPTIONS.batchSize),
  PROJECTION_BLOCK_MS: z.coerce.number().int().min(10).default(DEFAULT_PROJECTOR_OPTIONS.blockMs),
  PROJECTION_CLAIM_IDLE_MS: env.int(DEFAULT_PROJECTOR_OPTIONS.claimIdleMs),
  LOG_LEVEL: env.logLevel(),
});

export interface ProjectionConfig {
  port: number;
  host: string;
  /** `REDIS_URL` for one node, or `REDIS_CLUSTER_NODES` for a cluster. */
  redis: RedisTarget;
  stream: string;
  prefix: string;
  group: string;
  /** Stable per host by default, so a restarted process re-reads its own pending entries. */
  consumer: string;
  batchSize: number;
  blockMs: number;
  claimIdleMs: number;
  logLevel: string;
}

/** The only reader of the environment in this package; fails at start on a bad value. */
export function loadProjectionConfig(
  source: Record<string, string | undefined> = process.env,
): Readonly<ProjectionConfig> {
  const e = loadConfig(schema, source);
  return Object.freeze({
    port: e.PROJECTION_PORT ?? e.PORT ?? DEFAULT_PORTS.projection,
    host: e.HOST,
    redis: redisOf(e),
    stream: e.PRODUCT_EVENTS_STREAM,
    prefix: e.READ_MODEL_PREFIX,
    group: e.PROJECTION_GROUP,
    consumer: e.PROJECTION_CONSUMER ?? `projection-${hostname()}`,
    batchSize: e.PROJECTION_BATCH,
    blockMs: e.PROJECTION_BLOCK_MS,
    claimIdleMs: e.PROJECTION_CLAIM_IDLE_MS,
    logLevel: e.LOG_LEVEL,
  });
}
