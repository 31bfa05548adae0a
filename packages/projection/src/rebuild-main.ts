/**
 * `tsx packages/projection/src/rebuild-main.ts`: replay the whole product stream into a fresh
 * namespace and swap it in. Safe while the projection runs. Prints the result as JSON on stdout.
 */
import { createLogger, createRedisClient, runMain } from '@edge/common';
import { loadProjectionConfig } from './config.js';
import { readModelKeys } from './read-model-keys.js';
import { rebuildReadModel } from './rebuild.js';

const log = createLogger({ service: 'projection-rebuild' });

runMain(log, async () => {
  const config = loadProjectionConfig();
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 20 });
  try {
    const result = await rebuildReadModel({
      redis,
      stream: config.stream,
      keys: readModelKeys(config.prefix),
      log,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await redis.quit();
  }
});
