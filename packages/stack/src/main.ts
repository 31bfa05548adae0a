import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  DEFAULT_REDIS_URL,
  describeRedisTarget,
  parseClusterNodes,
  probeRedis,
  redisTarget,
} from '@edge/common';
import { startStack } from './stack.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const log = createLogger({ service: 'stack' });
// The launcher is the one place that reads these for the whole stack; each process validates its own.
const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
// Set: every process uses this cluster (seeds `host:port,...`) instead of the node at REDIS_URL.
const redisClusterNodes = process.env['REDIS_CLUSTER_NODES'] ?? '';
const production = process.env['NODE_ENV'] === 'production';

async function main() {
  const target = redisTarget(redisUrl, parseClusterNodes(redisClusterNodes));
  const where = describeRedisTarget(target);
  // The same probe the processes use: PING for one node, `cluster_state:ok` for a cluster.
  const redis = await probeRedis(target);
  if (!redis && production) throw new Error(`production mode needs Redis at ${where}`);
  if (!redis) {
    log.warn(
      { redis: where },
      'Redis not reachable: starting on in-process and file stores (limits and sagas are per process; set REDIS_URL or REDIS_CLUSTER_NODES for production)',
    );
  }
  const stack = await startStack({
    root,
    storeMode: redis ? 'redis' : 'memory',
    redisUrl,
    redisClusterNodes,
    ports: 'default',
    onLine: (line) => process.stdout.write(`${line}\n`),
  });
  log.info(
    { gateway: stack.urls.gateway, saga: stack.urls.saga, store: redis ? 'redis' : 'memory' },
    'stack ready: try the curl examples in README.md',
  );
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'stack failed to start');
  process.exit(1);
});
