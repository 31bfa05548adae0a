import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { createLogThrottle } from './log-throttle.js';
import type { Logger } from './logger.js';

export { Cluster, Redis } from 'ioredis';

/** Default Redis address for every process. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A connected client, one node or a cluster. Both expose the same command methods; what differs
 * is that a cluster refuses multi-key commands, scripts and transactions whose keys span slots,
 * so every key layout that combines keys pins them to one slot with a `{hash tag}`.
 */
export type RedisClient = Redis | Cluster;

/** One host of a Redis Cluster's seed list. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is, as every process configures it: `REDIS_URL` for one node, or
 * `REDIS_CLUSTER_NODES` (comma-separated `host:port` seeds; the cluster tells us the rest).
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      nodes: readonly RedisNode[];
      /** From `REDIS_URL`'s user info, applied to every node (managed clusters use one ACL). */
      username?: string;
      password?: string;
      /** `rediss:` in `REDIS_URL` turns TLS on for every node. */
      tls: boolean;
    };

/** Parse `REDIS_CLUSTER_NODES` entries (`host:port`); throws on a malformed one. */
export function parseClusterNodes(raw: string): RedisNode[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(.+):(\d{1,5})$/.exec(entry);
      const host = match?.[1];
      const port = Number(match?.[2]);
      if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`REDIS_CLUSTER_NODES: "${entry}" is not host:port`);
      }
      return { host, port };
    });
}

/**
 * The target from the two settings: a non-empty node list means a cluster (credentials and TLS
 * still come from `REDIS_URL`, so one secret holds them), otherwise the single node at `url`.
 */
export function redisTarget(url: string, clusterNodes: readonly RedisNode[] = []): RedisTarget {
  if (clusterNodes.length === 0) return { kind: 'single', url };
  const u = new URL(url);
  return {
    kind: 'cluster',
    nodes: clusterNodes,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/**
 * Options of one client. Those ioredis sets per cluster rather than per node (offline queue,
 * auto-pipelining, lazy connect, reconnect strategy) are mapped by `createRedisClient`.
 */
export type RedisClientOptions = RedisOptions;

/**
 * The one place that builds Redis clients. For a cluster, the per-node options go to every node
 * and the cluster-wide ones (offline queue, auto-pipelining, lazy connect, reconnect backoff)
 * to the cluster, so a fail-fast client stays fail-fast on both topologies.
 */
export function createRedisClient(
  target: RedisTarget,
  options: RedisClientOptions = {},
): RedisClient {
  if (target.kind === 'single') return new Redis(target.url, options);
  const {
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect,
    retryStrategy,
    keyPrefix,
    ...perNode
  } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...perNode,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
    // A moved slot or a failover answers TRYAGAIN/CLUSTERDOWN for a moment: retry briefly.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
  };
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    clusterOptions,
  );
}

/**
 * Answers true when Redis at `target` replies within `timeoutMs`: PING for one node; for a
 * cluster, `CLUSTER INFO` must say `cluster_state:ok` (a cluster with unassigned slots refuses
 * writes, which is no better than no Redis at all).
 */
export async function probeRedis(target: RedisTarget | string, timeoutMs = 500): Promise<boolean> {
  const resolved = typeof target === 'string' ? redisTarget(target) : target;
  const client = createRedisClient(resolved, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  // A cluster whose seeds answer but whose slots never settle must not hold start-up forever.
  const timer = new Promise<false>((resolve) => {
    setTimeout(() => resolve(false), timeoutMs * 4).unref();
  });
  const attempt = async () => {
    await client.connect();
    if (resolved.kind === 'single') return (await client.ping()) === 'PONG';
    const info = String(await client.cluster('INFO'));
    return info.includes('cluster_state:ok');
  };
  try {
    return await Promise.race([attempt(), timer]);
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
  target: RedisTarget | string,
  log: Logger,
): Promise<StoreKind> {
  const resolved = typeof target === 'string' ? redisTarget(target) : target;
  const where = describeRedisTarget(resolved);
  if (mode === 'memory') {
    log.warn({ store: 'memory' }, 'using in-process stores (STORE_MODE=memory)');
    return 'memory';
  }
  if (await probeRedis(resolved)) {
    log.info({ store: 'redis', redis: where }, 'using Redis stores');
    return 'redis';
  }
  if (mode === 'redis') throw new Error(`Redis at ${where} does not answer (STORE_MODE=redis)`);
  log.warn(
    { store: 'memory', redis: where },
    'Redis not reachable: falling back to in-process stores (state is not shared and not durable)',
  );
  return 'memory';
}

/**
 * A client for request-path commands. Per the ioredis pitfall, the offline queue is off and
 * retries per command are capped, so an outage fails fast instead of stalling and replaying.
 */
export function createFailFastRedis(
  target: RedisTarget | string,
  extra: RedisClientOptions = {},
): RedisClient {
  return createRedisClient(typeof target === 'string' ? redisTarget(target) : target, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

/**
 * Every master of a cluster, or the one node: for commands that only see one node's keys
 * (SCAN, FLUSHDB, INFO keyspace).
 */
export function redisNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** For logs: the URL without its password, or the cluster's seed list. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') {
    return `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  }
  try {
    const u = new URL(target.url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'invalid-url';
  }
}

/**
 * Log a client's errors once per minute with a count: ioredis emits one on every failed
 * reconnect attempt, so an outage would otherwise write a line every few hundred ms.
 */
export function logRedisErrors(client: RedisClient, log: Logger, what: string): void {
  const throttle = createLogThrottle(log);
  client.on('error', (err: Error) => throttle.warn({ err: err.message }, `${what} Redis error`));
}
