import { join } from 'node:path';
import { env, loadConfig, localUrl, redisEnv, redisOf, z } from '@edge/common';
import { DEFAULT_CONTRACTS_PREFIX } from '@edge/contracts';
import { DEFAULT_READ_MODEL_OPTIONS } from '@edge/projection';
import type { UpstreamPolicies, UpstreamPolicy } from '@edge/upstream';

const optionalInt = () => z.coerce.number().int().min(0).optional();
const positiveInt = () => z.coerce.number().int().min(1).optional();

/** Keep only the knobs that were set, so unset ones fall through to DEFAULT_UPSTREAM_POLICY. */
function setOnly(policy: { [K in keyof UpstreamPolicy]?: number | undefined }) {
  return Object.fromEntries(
    Object.entries(policy).filter(([, v]) => v !== undefined),
  ) as Partial<UpstreamPolicy>;
}

/**
 * Environment every BFF reads; each BFF's own config.ts calls this with its default port.
 * Upstream knobs apply to every upstream, `<SERVICE>_TIMEOUT_MS` and `<SERVICE>_BREAKER_RESET_MS`
 * override one; anything unset keeps DEFAULT_UPSTREAM_POLICY (docs/bffs.md lists them).
 */
export function loadBffConfig(defaultPort: number, source = process.env) {
  const schema = z
    .object({
      PORT: env.port(defaultPort),
      HOST: z.string().default('127.0.0.1'),
      NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
      LOG_LEVEL: env.logLevel(),
      DATA_DIR: z.string().default('.data'),
      EDGE_PUBLIC_KEY_FILE: z.string().optional(),
      ORDER_SERVICE_URL: env.url(localUrl('order')),
      PRODUCT_SERVICE_URL: env.url(localUrl('product')),
      USER_SERVICE_URL: env.url(localUrl('user')),
      SAGA_URL: env.url(localUrl('saga')),
      OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint(),
      ORDER_WAIT_MS: env.int(3000),
      UPSTREAM_TIMEOUT_MS: positiveInt(),
      UPSTREAM_CONNECTIONS: positiveInt(),
      UPSTREAM_CAPACITY: positiveInt(),
      UPSTREAM_CALLER_SHARE: positiveInt(),
      UPSTREAM_CALLER_QUEUE: optionalInt(),
      BREAKER_ERROR_THRESHOLD_PCT: z.coerce.number().int().min(1).max(100).optional(),
      BREAKER_VOLUME_THRESHOLD: optionalInt(),
      BREAKER_RESET_MS: positiveInt(),
      BREAKER_WINDOW_MS: positiveInt(),
      STALE_CACHE_MAX_ENTRIES: positiveInt(),
      STALE_CACHE_MAX_RECORDS: positiveInt(),
      STALE_CACHE_MAX_AGE_MS: optionalInt(),
      STALE_CACHE_MAX_ENTRIES_PER_CALLER: positiveInt(),
      ORDER_TIMEOUT_MS: positiveInt(),
      PRODUCT_TIMEOUT_MS: positiveInt(),
      USER_TIMEOUT_MS: positiveInt(),
      ORDER_BREAKER_RESET_MS: positiveInt(),
      PRODUCT_BREAKER_RESET_MS: positiveInt(),
      USER_BREAKER_RESET_MS: positiveInt(),
      // The product read model: on with Redis, off in memory mode (no stream, no projection).
      ...redisEnv,
      STORE_MODE: env.storeMode(),
      /** Redis key prefix of client contracts, as the gateway and the CLI use it. */
      CONTRACTS_PREFIX: z.string().min(1).default(DEFAULT_CONTRACTS_PREFIX),
      /** A schema that breaks a live client version: `log` it loudly, or `refuse` to start. */
      CONTRACTS_ON_BREAK: z.enum(['log', 'refuse']).default('log'),
      READ_MODEL_PREFIX: z.string().min(1).default(DEFAULT_READ_MODEL_OPTIONS.prefix),
      // The fallback's own threshold, apart from the projection lag alert's
      // (PROJECTION_LAG_THRESHOLD_MS in services-mock): stale prices are avoided within seconds,
      // a human is paged only when the projection stays down.
      READ_MODEL_MAX_LAG_MS: z.coerce
        .number()
        .int()
        .min(1)
        .default(DEFAULT_READ_MODEL_OPTIONS.lagThresholdMs),
    })
    .transform((c) => {
      const upstreams: UpstreamPolicies = {
        all: setOnly({
          timeoutMs: c.UPSTREAM_TIMEOUT_MS,
          connections: c.UPSTREAM_CONNECTIONS,
          capacity: c.UPSTREAM_CAPACITY,
          callerShare: c.UPSTREAM_CALLER_SHARE,
          callerQueue: c.UPSTREAM_CALLER_QUEUE,
          errorThresholdPercentage: c.BREAKER_ERROR_THRESHOLD_PCT,
          volumeThreshold: c.BREAKER_VOLUME_THRESHOLD,
          resetTimeoutMs: c.BREAKER_RESET_MS,
          rollingCountTimeoutMs: c.BREAKER_WINDOW_MS,
          staleMaxEntries: c.STALE_CACHE_MAX_ENTRIES,
          staleMaxRecords: c.STALE_CACHE_MAX_RECORDS,
          staleMaxAgeMs: c.STALE_CACHE_MAX_AGE_MS,
          staleMaxEntriesPerCaller: c.STALE_CACHE_MAX_ENTRIES_PER_CALLER,
        }),
        perService: {
          order: setOnly({
            timeoutMs: c.ORDER_TIMEOUT_MS,
            resetTimeoutMs: c.ORDER_BREAKER_RESET_MS,
          }),
          product: setOnly({
            timeoutMs: c.PRODUCT_TIMEOUT_MS,
            resetTimeoutMs: c.PRODUCT_BREAKER_RESET_MS,
          }),
          user: setOnly({ timeoutMs: c.USER_TIMEOUT_MS, resetTimeoutMs: c.USER_BREAKER_RESET_MS }),
        },
      };
      return {
        port: c.PORT,
        host: c.HOST,
        production: c.NODE_ENV === 'production',
        logLevel: c.LOG_LEVEL,
        edgePublicKeyFile: c.EDGE_PUBLIC_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'edge.json'),
        services: {
          order: c.ORDER_SERVICE_URL,
          product: c.PRODUCT_SERVICE_URL,
          user: c.USER_SERVICE_URL,
        },
        sagaUrl: c.SAGA_URL,
        orderWaitMs: c.ORDER_WAIT_MS,
        tracing: { endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT },
        upstreams,
        contracts: {
          storeMode: c.STORE_MODE,
          redis: redisOf(c),
          prefix: c.CONTRACTS_PREFIX,
          dir: join(c.DATA_DIR, 'contracts'),
          onBreak: c.CONTRACTS_ON_BREAK,
        },
        readModel: {
          storeMode: c.STORE_MODE,
          redis: redisOf(c),
          prefix: c.READ_MODEL_PREFIX,
          lagThresholdMs: c.READ_MODEL_MAX_LAG_MS,
        },
      };
    });
  return loadConfig(schema, source);
}

export type BffConfig = ReturnType<typeof loadBffConfig>;
