import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRedisClient, Redis, type RedisNode, type RedisTarget } from '@edge/common';
import { waitUntil } from './wait-until.js';

const run = promisify(execFile);

/** Options of `startLocalRedisCluster`; defaults in `DEFAULT_LOCAL_CLUSTER_OPTIONS`. */
export interface LocalRedisClusterOptions {
  /** Number of masters (no replicas): three is the smallest cluster `redis-cli` creates. */
  masters?: number;
  /** How long to wait for `cluster_state:ok` on every node. */
  readyTimeoutMs?: number;
}

export const DEFAULT_LOCAL_CLUSTER_OPTIONS: Required<LocalRedisClusterOptions> = {
  masters: 3,
  readyTimeoutMs: 20_000,
};

export interface LocalRedisCluster {
  nodes: RedisNode[];
  target: RedisTarget;
  /** `REDIS_CLUSTER_NODES` for processes that should use this cluster. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port that is free together with its cluster bus port (port + 10000). The OS's ephemeral
 * range is too high for the bus offset, so pick from below it and check both.
 */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 12_000 + Math.floor(Math.random() * 18_000);
    if (taken.has(port)) continue;
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

/** A probe that fails (a node not up yet) is a "not yet", not an error. */
function answering(check: () => Promise<boolean>): () => Promise<boolean> {
  return () => check().catch(() => false);
}

async function clusterInfoOk(port: number): Promise<boolean> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return String(await client.cluster('INFO')).includes('cluster_state:ok');
  } finally {
    client.disconnect();
  }
}

/**
 * A real Redis Cluster of its own for a test file: masters on free ports in a temporary
 * directory (no persistence), slots assigned by `redis-cli --cluster create`, ready once every
 * node says `cluster_state:ok`. `stop` kills the servers it started and removes the directory.
 */
export async function startLocalRedisCluster(
  options: LocalRedisClusterOptions = {},
): Promise<LocalRedisCluster> {
  // Free ports are probed, then bound by the servers: a test file starting its own cluster at
  // the same moment can take one in between (seen beside two busy loops: a server that never
  // answered). Such a start is thrown away whole and tried again on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(options);
    } catch (err) {
      if (attempt >= CLUSTER_START_ATTEMPTS) throw err;
    }
  }
}

const CLUSTER_START_ATTEMPTS = 3;

async function startClusterOnce(options: LocalRedisClusterOptions): Promise<LocalRedisCluster> {
  const masters = options.masters ?? DEFAULT_LOCAL_CLUSTER_OPTIONS.masters;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_LOCAL_CLUSTER_OPTIONS.readyTimeoutMs;
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freeClusterPort(taken);
      taken.add(port);
      ports.push(port);
    }
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    for (const port of ports) {
      await waitUntil(
        `redis-server on ${port} to answer`,
        answering(async () => {
          const client = new Redis(port, '127.0.0.1', {
            lazyConnect: true,
            retryStrategy: () => null,
          });
          client.on('error', () => {});
          try {
            await client.connect();
            return (await client.ping()) === 'PONG';
          } finally {
            client.disconnect();
          }
        }),
        readyTimeoutMs,
        100,
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      await waitUntil(
        `cluster_state:ok on ${port}`,
        answering(() => clusterInfoOk(port)),
        readyTimeoutMs,
        100,
      );
    }
    const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    const target: RedisTarget = { kind: 'cluster', nodes, tls: false };
    // Every node agrees on the slots, but a client's first slot refresh can still race a
    // node's gossip: one round trip through a cluster client proves routing works.
    const probe = createRedisClient(target, { maxRetriesPerRequest: 3 });
    try {
      await probe.set('local-cluster:ready', '1', 'PX', 1000);
    } finally {
      probe.disconnect();
    }
    return {
      nodes,
      target,
      env: { REDIS_CLUSTER_NODES: nodes.map((n) => `${n.host}:${n.port}`).join(',') },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
