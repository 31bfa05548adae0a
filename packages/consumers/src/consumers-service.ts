import { mkdir } from 'node:fs/promises';
import {
  Counter,
  createAlertChannel,
  createLogger,
  createMetrics,
  createOperatorVerifier,
  createRedisClient,
  type Logger,
  lockDataDir,
  type RedisClient,
  type RunningServer,
  resolveStoreKind,
  startHttpServer,
} from '@edge/common';
import type { ConsumersConfig } from './config.js';
import { CONSUMER_GROUPS, handlerFor } from './consumer-groups.js';
import { createConsumerRoutes } from './consumer-routes.js';
import { type RunningConsumer, startConsumer } from './consumer-runtime.js';
import type { EventLog } from './event-log.js';
import { FileEventLog } from './file-event-log.js';
import { GroupMonitor } from './group-monitor.js';
import { RedisEventLog } from './redis-event-log.js';

/** What a second process on the same embedded state would do: said when it is refused. */
const EMBEDDED_STATE_WHY =
  "two consumers processes rewriting the same group state files would lose each other's dead letters and handle events twice";

export interface ConsumersService {
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

async function openLog(
  config: ConsumersConfig,
  logger: Logger,
): Promise<{ log: EventLog; clients: RedisClient[]; release: () => Promise<void> }> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, logger);
  if (kind === 'memory') {
    logger.warn(
      { file: config.eventsFile, state: config.stateDir },
      'order events from the saga file store; group state in files (one consumers process only)',
    );
    // One process owns the group state files: each rewrites them from its own memory.
    await mkdir(config.stateDir, { recursive: true });
    const lock = await lockDataDir(config.stateDir, EMBEDDED_STATE_WHY);
    const log = new FileEventLog({
      file: config.eventsFile,
      stateDir: config.stateDir,
      dedupeTtlMs: config.dedupeTtlMs,
    });
    return { log, clients: [], release: () => lock.release() };
  }
  // Offline queue on: during a Redis blip a command waits and lands; the loop retries rounds.
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 20 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'consumers Redis error'));
  return {
    log: new RedisEventLog({
      redis,
      blocking: redis,
      stream: config.stream,
      dedupeTtlMs: config.dedupeTtlMs,
    }),
    clients: [redis],
    release: async () => {},
  };
}

/**
 * One consumers process: the configured groups' consumers (each with a blocking connection of
 * its own with Redis), the monitor of every group and the operator routes.
 */
export async function startConsumersService(
  config: ConsumersConfig,
  logger: Logger = createLogger({ service: 'consumers', level: config.logLevel }),
): Promise<ConsumersService> {
  const metrics = createMetrics('consumers');
  const verifyOperator = await createOperatorVerifier({
    keys: config.auth.operatorKeys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
  const { log, clients, release } = await openLog(config, logger);
  const deliveries = new Counter({
    name: 'events_consumer_deliveries_total',
    help: 'Deliveries handled by this process, by group and outcome',
    labelNames: ['group', 'outcome'] as const,
    registers: [metrics.registry],
  });
  const consumers: RunningConsumer[] = [];
  for (const group of config.groups) {
    // A blocking read holds its connection: each group gets its own, or they would take turns.
    const groupLog =
      log instanceof RedisEventLog
        ? (() => {
            const blocking = createRedisClient(config.redis, { maxRetriesPerRequest: 20 });
            blocking.on('error', () => {});
            clients.push(blocking);
            return new RedisEventLog({
              redis: clients[0] as RedisClient,
              blocking,
              stream: config.stream,
              dedupeTtlMs: config.dedupeTtlMs,
            });
          })()
        : log;
    consumers.push(
      startConsumer({
        log: groupLog,
        group,
        consumer: config.consumerName,
        handle: handlerFor(group, {
          log: groupLog,
          services: config.services,
          fraud: config.fraud,
        }),
        logger,
        ...config.runtime,
        onDelivery: (outcome) => deliveries.inc({ group, outcome }),
      }),
    );
  }
  const monitor = new GroupMonitor({
    log,
    groups: CONSUMER_GROUPS,
    registry: metrics.registry,
    logger,
    alerts: createAlertChannel({ webhookUrl: config.alertWebhookUrl, log: logger }),
    owner: config.consumerName,
    service: 'consumers',
    memories: log instanceof RedisEventLog ? log.alertMemories() : undefined,
    ...config.monitor,
  });
  monitor.start();
  const server = await startHttpServer({
    service: 'consumers',
    logger,
    metrics,
    port: config.port,
    host: config.host,
    routes: createConsumerRoutes({
      log,
      groups: CONSUMER_GROUPS,
      verifyOperator,
      deadAfterMs: config.monitor.deadAfterMs,
    }),
  });
  logger.info(
    { groups: config.groups, consumer: config.consumerName, port: server.port },
    'consumers ready',
  );
  return {
    server,
    url: server.url,
    async close() {
      await server.close();
      await Promise.all(consumers.map((c) => c.stop()));
      await monitor.stop();
      await log.close();
      await release();
      for (const client of clients) client.disconnect();
    },
  };
}
