import {
  Counter,
  createMetrics,
  createRedisClient,
  type Logger,
  logRedisErrors,
  type RunningServer,
  startHttpServer,
} from '@edge/common';
import type { ProjectionConfig } from './config.js';
import { Projector } from './projector.js';
import { readModelKeys } from './read-model-keys.js';

export interface ProjectionService {
  server: RunningServer;
  projector: Projector;
  close(): Promise<void>;
}

/** The projection process: projector loop plus `/healthz`, `/readyz` and `/metrics`. */
export async function startProjectionService(
  config: ProjectionConfig,
  log: Logger,
): Promise<ProjectionService> {
  const metrics = createMetrics('projection');
  const events = new Counter({
    name: 'projection_events_total',
    help: 'Stream entries handled by the projection, by result',
    labelNames: ['projection', 'result'] as const,
    registers: [metrics.registry],
  });
  // Zero from the start: an increase() from an absent series misses the first undecodable event
  // after a restart (EdgeProjectionInvalidEvents).
  for (const result of ['applied', 'skipped', 'heartbeat', 'invalid']) {
    events.inc({ projection: 'products', result }, 0);
  }
  // Writes wait through a Redis blip (offline queue on): the loop is not on a request path, and
  // a write that lands late is still correct because application is idempotent.
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 20 });
  logRedisErrors(redis, log, 'projection');
  const projector = new Projector({
    redis,
    stream: config.stream,
    keys: readModelKeys(config.prefix),
    log,
    consumer: config.consumer,
    group: config.group,
    batchSize: config.batchSize,
    blockMs: config.blockMs,
    claimIdleMs: config.claimIdleMs,
    onBatch: (o) => {
      events.inc({ projection: 'products', result: 'applied' }, o.applied);
      events.inc({ projection: 'products', result: 'skipped' }, o.skipped);
      events.inc({ projection: 'products', result: 'heartbeat' }, o.heartbeats);
      events.inc({ projection: 'products', result: 'invalid' }, o.invalid);
    },
  });
  await projector.start();
  const server = await startHttpServer({
    service: 'projection',
    logger: log,
    metrics,
    routes: [],
    port: config.port,
    host: config.host,
    isReady: async () => projector.isReady && (await redis.ping()) === 'PONG',
  });
  log.info(
    { stream: config.stream, group: config.group, consumer: config.consumer },
    'projection ready',
  );
  return {
    server,
    projector,
    async close() {
      await server.close();
      await projector.stop();
      await redis.quit();
    },
  };
}
