import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, DEFAULT_REDIS_URL, probeRedis } from '@edge/common';
import { startStack } from './stack';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const log = createLogger({ service: 'stack' });
// The launcher is the one place that reads these for the whole stack; each process validates its own.
const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const production = process.env['NODE_ENV'] === 'production';

async function main() {
  const redis = await probeRedis(redisUrl);
  if (!redis && production) throw new Error(`production mode needs Redis at ${redisUrl}`);
  if (!redis) {
    log.warn(
      { redisUrl },
      'Redis not reachable: starting on in-process and file stores (limits and sagas are per process; set REDIS_URL for production)',
    );
  }
  const stack = await startStack({
    root,
    storeMode: redis ? 'redis' : 'memory',
    redisUrl,
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
