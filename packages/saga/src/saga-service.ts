import { join } from 'node:path';
import {
  createLogger,
  createMetrics,
  createRedisClient,
  type Logger,
  type RedisClient,
  type RunningServer,
  resolveStoreKind,
  startHttpServer,
  startTracing,
} from '@edge/common';
import type { SagaConfig } from './config';
import { DlqAlertEvaluator } from './dlq-alerts';
import { createEdgeIdentityVerifier } from './edge-identity';
import { FileSagaStore } from './file-saga-store';
import { HttpProviderClient } from './http-provider-client';
import { createOperatorVerifier } from './operator-auth';
import { createOperatorRoutes } from './operator-routes';
import { RedisSagaStore } from './redis-saga-store';
import { createSagaRoutes } from './saga-api';
import { createSagaAuth } from './saga-auth';
import { SagaEngine } from './saga-engine';
import { createSagaMetrics } from './saga-metrics';
import { resolvePolicies } from './saga-policies';
import type { SagaStore } from './saga-store';
import { SagaWorker } from './saga-worker';

export interface SagaService {
  server: RunningServer;
  url: string;
  engine: SagaEngine;
  store: SagaStore;
  close(): Promise<void>;
}

async function openStore(
  config: SagaConfig,
  log: Logger,
): Promise<{ store: SagaStore; redis: RedisClient | undefined }> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, log);
  if (kind === 'memory') {
    const dir = join(config.dataDir, 'saga');
    log.warn({ dir }, 'saga state in files: durable on this machine, not shared between hosts');
    return { store: await FileSagaStore.open({ dir }), redis: undefined };
  }
  // Saga writes keep ioredis's offline queue: during a Redis blip a write should wait and land,
  // not fail and leave the saga to lease expiry. Each write is idempotent under its fence.
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 20 });
  redis.on('error', (err) => log.warn({ err: err.message }, 'saga Redis error'));
  return { store: new RedisSagaStore({ redis, prefix: config.keyPrefix }), redis };
}

/** The orchestrator: HTTP API, worker loop and DLQ alerts over one store. */
export async function startSagaService(
  config: SagaConfig,
  logger: Logger = createLogger({ service: 'saga', level: config.logLevel }),
): Promise<SagaService> {
  const policies = resolvePolicies(config.policies);
  const metrics = createMetrics('saga');
  const tracing = startTracing('saga', config.tracing);
  const auth = createSagaAuth(
    await createOperatorVerifier({
      keys: config.auth.operatorKeys,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    }),
    await createEdgeIdentityVerifier({
      publicKeyFile: config.auth.edgePublicKeyFile,
      production: config.production,
    }),
  );
  const { store, redis } = await openStore(config, logger);
  const sagaMetrics = createSagaMetrics(metrics.registry);
  const providers = new HttpProviderClient({
    baseUrls: config.serviceUrls,
    breaker: policies.breaker,
    onBreakerState: (provider, state) => {
      sagaMetrics.setBreakerState(provider, state);
      logger.warn({ provider, state }, 'breaker state changed');
    },
  });
  const engine = new SagaEngine({
    store,
    providers,
    policies,
    log: logger,
    onTransition: (saga, event) => {
      if (!event) return;
      sagaMetrics.events.inc({ type: event.type });
      if (event.type === 'dead_lettered') {
        logger.error(
          { sagaId: saga.id, orderId: saga.context.orderId, reason: event.reason },
          'saga dead-lettered',
        );
      }
    },
  });
  const worker = config.runWorker
    ? new SagaWorker({ engine, store, policies, log: logger })
    : undefined;
  const alerts = new DlqAlertEvaluator({
    store,
    metrics: sagaMetrics,
    log: logger,
    threshold: config.alerts.threshold,
    repeatMs: config.alerts.repeatMs,
    intervalMs: config.alerts.intervalMs,
    webhookUrl: config.alerts.webhookUrl,
  });
  const server = await startHttpServer({
    service: 'saga',
    logger,
    metrics,
    port: config.port,
    host: config.host,
    routes: [
      ...createSagaRoutes({ engine, store, worker, auth }),
      ...createOperatorRoutes({
        store,
        isStuck: (saga) => engine.isStuck(saga),
        auth,
        secureCookies: config.production,
        devStack: config.auth.operatorKeys.kind === 'dev-key-file',
      }),
    ],
    isReady: async () => {
      try {
        await store.dlqStats();
        return true;
      } catch {
        return false;
      }
    },
  });
  worker?.start();
  alerts.start();
  logger.info({ worker: engine.owner, runWorker: config.runWorker }, 'saga orchestrator ready');
  return {
    server,
    url: server.url,
    engine,
    store,
    async close() {
      await server.close();
      await worker?.stop();
      await alerts.stop();
      await providers.close();
      await store.close();
      await redis?.quit();
      await tracing.shutdown();
    },
  };
}
