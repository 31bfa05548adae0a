import { z } from 'zod';
import {
  DEFAULT_REDIS_URL,
  parseClusterNodes,
  type RedisNode,
  type RedisTarget,
  redisTarget,
} from './redis.js';

export { z } from 'zod';

/**
 * Validate the environment once at start against a zod schema and freeze the result. A bad
 * value stops the process with one line per problem instead of failing later at request time.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.output<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

/** Common field shapes for process config schemas. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** A port with no default of its own: a process's `<NAME>_PORT`, which wins over `PORT`. */
  optionalPort: () => z.coerce.number().int().min(0).max(65535).optional(),
  url: (fallback: string) => z.url().default(fallback),
  /**
   * A URL with no default: unset or empty (compose passes a host variable that is not set as
   * `VAR=`) is undefined.
   */
  optionalUrl: () => z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  int: (fallback: number) => z.coerce.number().int().min(0).default(fallback),
  /** A comma-separated list, entries trimmed, empty ones dropped; unset = empty. */
  list: () =>
    z
      .string()
      .default('')
      .transform((raw) =>
        raw
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry.length > 0),
      ),
  logLevel: () =>
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `redis` requires Redis, `memory` never uses it, `auto` uses it when it answers at start. */
  storeMode: () => z.enum(['auto', 'redis', 'memory']).default('auto'),
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: OTLP/HTTP base URL spans go to; unset = tracing off. */
  otlpEndpoint: () => z.url().optional(),
  /** `REDIS_CLUSTER_NODES`: comma-separated `host:port` seeds; empty (default) = one node. */
  redisClusterNodes: () =>
    z
      .string()
      .default('')
      .transform((raw, ctx) => {
        try {
          return parseClusterNodes(raw);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
};

/** Where a process finds Redis: the two fields every config schema with Redis spreads in. */
export const redisEnv = {
  /** `REDIS_URL`: one node (the local default). */
  REDIS_URL: env.url(DEFAULT_REDIS_URL),
  REDIS_CLUSTER_NODES: env.redisClusterNodes(),
};

/** The Redis target of a config parsed with `redisEnv`: a cluster when nodes are listed. */
export function redisOf(e: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES: readonly RedisNode[];
}): RedisTarget {
  return redisTarget(e.REDIS_URL, e.REDIS_CLUSTER_NODES);
}
