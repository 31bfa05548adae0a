import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger';

export { Redis } from 'ioredis';

/** Default Redis address for every process. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Answers true when a Redis at `url` replies to PING within `timeoutMs`. */
export async function probeRedis(url: string, timeoutMs = 500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export type StoreMode = 'auto' | 'redis' | 'memory';
export type StoreKind = 'redis' | 'memory';

/**
 * Decide once at start whether this process keeps its state in Redis. `auto` falls back to
 * in-process stores when Redis does not answer, and says so loudly: that mode loses state on
 * restart and does not share limits or sagas between processes.
 */
export async function resolveStoreKind(
  mode: StoreMode,
  url: string,
  log: Logger,
): Promise<StoreKind> {
  if (mode === 'memory') {
    log.warn({ store: 'memory' }, 'using in-process stores (STORE_MODE=memory)');
    return 'memory';
  }
  if (await probeRedis(url)) {
    log.info({ store: 'redis', redis: redactUrl(url) }, 'using Redis stores');
    return 'redis';
  }
  if (mode === 'redis')
    throw new Error(`Redis at ${redactUrl(url)} does not answer (STORE_MODE=redis)`);
  log.warn(
    { store: 'memory', redis: redactUrl(url) },
    'Redis not reachable: falling back to in-process stores (state is not shared and not durable)',
  );
  return 'memory';
}

/**
 * A client for request-path commands. Per the ioredis pitfall, the offline queue is off and
 * retries per command are capped, so an outage fails fast instead of stalling and replaying.
 */
export function createFailFastRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'invalid-url';
  }
}
