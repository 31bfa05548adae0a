import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  type AlertMemories,
  createAlertChannel,
  createLogger,
  createMetrics,
  createOperatorVerifier,
  createRedisClient,
  type Logger,
  logRedisErrors,
  type RedisClient,
  type Route,
  type RunningServer,
  redisAlertMemory,
  resolveStoreKind,
  startHttpServer,
  startTracing,
} from '@edge/common';
import { createUpstreamMetrics } from '@edge/upstream';
import { CompensationAgeAlertCheck } from './compensation-age-alert.js';
import type { SagaConfig } from './config.js';
import { DlqAlertCheck } from './dlq-alerts.js';
import { createEdgeIdentityVerifier } from './edge-identity.js';
import { createEventDeadLetters } from './event-dead-letters.js';
import { FileSagaStore } from './file-saga-store.js';
import { type Leadership, RedisLeaderLease, SOLE_LEADER } from './leader-lease.js';
import { createOperatorRoutes } from './operator-routes.js';
import { trimOrderStream } from './order-stream-trim.js';
import { createPartnerCustomers } from './partner-customers.js';
import { Reconciler } from './reconciler.js';
import { ReconciliationAlertCheck } from './reconciliation-alert.js';
import { ReconciliationJob } from './reconciliation-job.js';
import {
  inProcessReports,
  type ReconciliationReports,
  redisReports,
} from './reconciliation-reports.js';
import { createReconciliationRoutes } from './reconciliation-routes.js';
import { assertDurabilitySupported } from './redis-durability.js';
import { RedisSagaStore } from './redis-saga-store.js';
import { SagaAlertEvaluator } from './saga-alerts.js';
import { createSagaRoutes } from './saga-api.js';
import { createSagaAuth } from './saga-auth.js';
import { SagaEngine } from './saga-engine.js';
import { startSagaHousekeeping } from './saga-housekeeping.js';
import { createSagaMetrics } from './saga-metrics.js';
import { resolvePolicies } from './saga-policies.js';
import { createSagaProviders } from './saga-providers.js';
import type { SagaStore } from './saga-store.js';
import { SagaWaiters } from './saga-waiters.js';
import { SagaWorker } from './saga-worker.js';

export interface SagaService {
  server: RunningServer;
  /** The order API (and everything, unless OPERATOR_PORT split the operator routes off). */
  url: string;
  /** The operator page and API; the same as `url` without OPERATOR_PORT. */
  operatorUrl: string;
  engine: SagaEngine;
  store: SagaStore;
  close(): Promise<void>;
}

interface OpenedStore {
  store: SagaStore;
  redis: RedisClient | undefined;
  leadership: Leadership;
  /** The last reconciliation report, shared by every process on the store. */
  reports: ReconciliationReports;
  /** Caps the OrderConfirmed stream; absent for the file store, which has no consumer groups. */
  trimEvents: (() => Promise<number>) | undefined;
  /** What the alerts last sent, for whichever process leads next; one process: its own. */
  alertMemories: AlertMemories;
}

async function openStore(config: SagaConfig, log: Logger): Promise<OpenedStore> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, log);
  if (kind === 'memory') {
    const dir = join(config.dataDir, 'saga');
    log.warn({ dir }, 'saga state in files: durable on this machine, not shared between hosts');
    const store = await FileSagaStore.open({ dir, retentionMs: config.retentionMs });
    return {
      store,
      redis: undefined,
      leadership: SOLE_LEADER,
      reports: inProcessReports(),
      trimEvents: undefined,
      alertMemories: undefined,
    };
  }
  // Saga writes keep ioredis's offline queue: during a Redis blip a write should wait and land,
  // not fail and leave the saga to lease expiry. Each write is idempotent under its fence (a
  // re-sent one trims the history to the same length before appending the same events).
  // Auto-pipelining sends the commands of every saga in flight issued in one event-loop turn as
  // one socket write: a write per command was the largest single cost of a saga step.
  const redis = createRedisClient(config.redis, {
    maxRetriesPerRequest: 20,
    enableAutoPipelining: true,
  });
  logRedisErrors(redis, log, 'saga');
  await assertDurabilitySupported(redis, config.durability);
  const store = new RedisSagaStore({
    redis,
    prefix: config.keyPrefix,
    retentionMs: config.retentionMs,
    durability: config.durability,
  });
  const leadership = new RedisLeaderLease({
    redis,
    key: `${store.keyHead}leader`,
    owner: randomUUID(),
    ttlMs: config.leaderTtlMs,
    log,
  });
  const trimEvents = () => trimOrderStream(redis, store.eventsKey, config.eventsMaxLen);
  const reports = redisReports(redis, `${store.keyHead}reconciliation`);
  const alertMemories = redisAlertMemory(redis, `${store.keyHead}alerts`);
  return { store, redis, leadership, reports, trimEvents, alertMemories };
}

/** The orchestrator: HTTP API, worker loop and DLQ alerts over one store. */
export async function startSagaService(
  config: SagaConfig,
  logger: Logger = createLogger({ service: 'saga', level: config.logLevel }),
): Promise<SagaService> {
  const policies = resolvePolicies(config.policies);
  const metrics = createMetrics('saga');
  const tracing = await startTracing('saga', config.tracing);
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
  const { store, redis, leadership, reports, trimEvents, alertMemories } = await openStore(
    config,
    logger,
  );
  const sagaMetrics = createSagaMetrics(metrics.registry);
  const { providers, close: closeProviders } = createSagaProviders({
    config,
    breaker: policies.breaker,
    shared: redis !== undefined,
    metrics: sagaMetrics,
    log: logger,
  });
  const waiters = new SagaWaiters();
  const engine = new SagaEngine({
    store,
    providers,
    policies,
    log: logger,
    onTransition: (saga, event) => {
      waiters.notify(saga);
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
  const channel = createAlertChannel({ webhookUrl: config.alerts.webhookUrl, log: logger });
  const alertContext = {
    store,
    metrics: sagaMetrics,
    log: logger,
    channel,
    repeatMs: config.alerts.repeatMs,
    memories: alertMemories,
  };
  const alerts = new SagaAlertEvaluator({
    ...alertContext,
    leadership,
    intervalMs: config.alerts.intervalMs,
    instance: hostname(),
    checks: [
      new DlqAlertCheck({ ...alertContext, threshold: config.alerts.threshold }),
      new CompensationAgeAlertCheck({
        ...alertContext,
        thresholdMs: config.alerts.compensationAgeMs,
      }),
      new ReconciliationAlertCheck({ ...alertContext, reports }),
    ],
  });
  const housekeeping = startSagaHousekeeping({
    store,
    leadership,
    trimEvents,
    intervalMs: config.housekeepingIntervalMs,
    log: logger,
  });
  const reconciliation = new ReconciliationJob({
    reconciler: new Reconciler({ store, providers }),
    leadership,
    reports,
    log: logger,
    intervalMs: config.reconcileIntervalMs,
  });
  const partnerCustomers = createPartnerCustomers(
    config.userServiceUrl,
    createUpstreamMetrics(metrics.registry),
  );
  const api = createSagaRoutes({ engine, store, worker, waiters, auth, partnerCustomers });
  const page = createOperatorRoutes({
    store,
    isStuck: (saga) => engine.isStuck(saga),
    auth,
    secureCookies: config.production,
    devStack: config.auth.operatorKeys.kind === 'dev-key-file',
    reconciliation: async () => {
      const { report, lastFailure } = await reconciliation.status();
      return { at: report?.at, findings: report?.findings, lastFailure };
    },
    events: createEventDeadLetters(config.consumersUrl),
  });
  const isReady = async () => {
    try {
      await store.dlqStats();
      return true;
    } catch {
      return false;
    }
  };
  const listen = (port: number, routes: Route[]) =>
    startHttpServer({ service: 'saga', logger, metrics, port, host: config.host, routes, isReady });
  const operatorRoutes = [
    ...api.operators,
    ...page,
    ...createReconciliationRoutes({ job: reconciliation, auth }),
  ];
  // One port by default; two when OPERATOR_PORT is set (reading one saga is on both).
  const server =
    config.operatorPort === undefined
      ? await listen(config.port, [
          ...api.orders,
          ...operatorRoutes.filter((r) => !api.orders.includes(r)),
        ])
      : await listen(config.port, api.orders);
  const operatorServer =
    config.operatorPort === undefined ? server : await listen(config.operatorPort, operatorRoutes);
  worker?.start();
  alerts.start();
  reconciliation.start();
  logger.info({ worker: engine.owner, runWorker: config.runWorker }, 'saga orchestrator ready');
  return {
    server,
    url: server.url,
    operatorUrl: operatorServer.url,
    engine,
    store,
    async close() {
      await server.close();
      if (operatorServer !== server) await operatorServer.close();
      await worker?.stop();
      await alerts.stop();
      await housekeeping.stop();
      await reconciliation.stop();
      await leadership.stop();
      await closeProviders();
      await partnerCustomers.close();
      await store.close();
      await redis?.quit();
      await tracing.shutdown();
    },
  };
}
