// Saga orchestrator benchmark (not a test): completed sagas per second with Redis persistence,
// and how fast a backlog of pending refund compensations drains once the provider recovers.
// Usage: node_modules/.bin/tsx bench/src/saga-throughput.ts [--sagas 1000] [--backlog 10000]
// Imports go through each package's public index by path because bench/package.json is not
// ours to change; nothing internal is reached into.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createLogger,
  DEFAULT_REDIS_URL,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  Redis,
  signInternalToken,
  unlinkKeysMatching,
} from '@edge/common';
import { request } from 'undici';
import {
  loadSagaConfig,
  type Saga,
  type SagaEvent,
  sagaKeyHead,
  startSagaService,
} from '../../packages/saga/src/index';
import { createSagaClient } from '../../packages/saga-client/src/index';
import { startServicesMock } from '../../packages/services-mock/src/index';

const { values } = parseArgs({
  options: {
    sagas: { type: 'string', default: '1000' },
    backlog: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
  },
});
const SAGAS = Number(values.sagas);
const BACKLOG = Number(values.backlog);
const CONCURRENCY = Number(values.concurrency);
const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const log = createLogger({ service: 'bench', level: 'info' });

async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function waitForCount(redis: Redis, key: string, target: number): Promise<void> {
  while ((await redis.scard(key)) < target) await new Promise((r) => setTimeout(r, 100));
}

async function main(): Promise<void> {
  const mock = await startServicesMock({ logLevel: 'silent' });
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:saga:${randomUUID()}:`;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-saga-'));
  const env = {
    SAGA_PORT: '0',
    DATA_DIR: dataDir,
    STORE_MODE: 'redis',
    REDIS_URL,
    SAGA_KEY_PREFIX: prefix,
    ORDER_SERVICE_URL: mock.urls.order,
    INVENTORY_SERVICE_URL: mock.urls.inventory,
    PAYMENT_SERVICE_URL: mock.urls.payment,
    SHIPPING_SERVICE_URL: mock.urls.shipping,
    SAGA_POLL_INTERVAL_MS: '50',
    SAGA_MAX_CONCURRENT: '256',
    LOG_LEVEL: 'warn',
  };

  // 1. Throughput: sagas submitted by CONCURRENCY clients, each driven to completed.
  const products = Array.from({ length: 400 }, (_, i) => `p-${i + 1}`);
  const productBody = (await (
    await request(`${mock.urls.product}/products?ids=${products.slice(0, 400).join(',')}`)
  ).body.json()) as { items: Array<{ id: string; stock: number }> };
  const stock = new Map(productBody.items.map((p) => [p.id, p.stock]));
  const picks: string[] = [];
  for (const [id, units] of stock)
    for (let u = 0; u < units && picks.length < SAGAS; u++) picks.push(id);
  const service = await startSagaService(loadSagaConfig(env));
  // Orders carry the identity the edge signs, as a BFF forwards it.
  const edgeKey = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
  const asUser = async (userId: string) => ({
    [INTERNAL_TOKEN_HEADER]: await signInternalToken(
      { surface: 'web', userId },
      edgeKey,
      'web',
      600,
    ),
  });
  const client = createSagaClient({ baseUrl: service.url });
  const started = performance.now();
  const users = await Promise.all(Array.from({ length: 300 }, (_, i) => asUser(`u-${i + 1}`)));
  await pool(SAGAS, CONCURRENCY, (i) =>
    client.placeOrder(
      {
        idempotencyKey: `bench-${i}`,
        items: [{ productId: picks[i % picks.length] ?? 'p-1', quantity: 1 }],
      },
      undefined,
      users[i % 300],
    ),
  );
  await waitForCount(redis, `${sagaKeyHead(prefix)}state:completed`, Math.min(SAGAS, picks.length));
  const throughputS = (performance.now() - started) / 1000;
  await client.close();
  await service.close();

  // 2. Drain: BACKLOG sagas owe a refund whose retry fell due when the outage ended. Charges are
  // real (in services-mock); the saga records are written as the engine would have left them.
  const chargeIds = await pool(BACKLOG, 64, async (i) => {
    const response = await request(`${mock.urls.payment}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: `bench-charge-${i}`,
        orderId: `o-${(i % 5000) + 1}`,
        amountCents: 1000,
        currency: 'USD',
      }),
    });
    return ((await response.body.json()) as { id: string }).id;
  });
  const drainPrefix = `bench:saga:${randomUUID()}:`;
  // The store keeps every key of a prefix under one hash tag (Redis Cluster); seed it the same way.
  const drainHead = sagaKeyHead(drainPrefix);
  const seedStore = new Redis(REDIS_URL);
  const now = Date.now();
  const at = new Date(now).toISOString();
  const batch = seedStore.pipeline();
  chargeIds.forEach((chargeId, i) => {
    const id = `sg-bench-${i}`;
    const key = (step: string) => `${id}:${step}`;
    const history: SagaEvent[] = [
      {
        type: 'saga_created',
        clientKey: `drain-${i}`,
        input: { userId: 'u-1', partnerId: null, items: [] },
        at,
      },
      {
        type: 'step_started',
        step: 'charge_payment',
        attempt: 1,
        idempotencyKey: key('charge_payment'),
        at,
      },
      {
        type: 'step_succeeded',
        step: 'charge_payment',
        attempt: 1,
        idempotencyKey: key('charge_payment'),
        at,
        answer: { status: 201, body: { id: chargeId } },
      },
      {
        type: 'compensation_required',
        cause: 'failure',
        reason: 'create_shipment rejected with 409',
        at,
      },
      {
        type: 'compensation_started',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: key('refund_payment'),
        at,
      },
      {
        type: 'compensation_failed',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: key('refund_payment'),
        at,
        answer: { status: 429, body: {} },
        retryable: true,
      },
      { type: 'retry_scheduled', step: 'refund_payment', attempt: 1, delayMs: 0, dueAt: at, at },
    ];
    const saga: Saga = {
      id,
      type: 'place_order',
      clientKey: `drain-${i}`,
      input: { userId: 'u-1', partnerId: null, items: [] },
      state: {
        status: 'compensating',
        cause: 'failure',
        reason: 'create_shipment rejected with 409',
      },
      context: { chargeId, orderId: `o-${(i % 5000) + 1}`, totalCents: 1000, currency: 'USD' },
      history,
      createdAt: at,
      updatedAt: at,
      dueAt: now,
    };
    batch.hset(`${drainHead}saga:${id}`, 'json', JSON.stringify(saga), 'status', 'compensating');
    batch.sadd(`${drainHead}state:compensating`, id);
    batch.zadd(`${drainHead}due`, now, id);
  });
  await batch.exec();
  await seedStore.quit();
  const drainService = await startSagaService(
    loadSagaConfig({ ...env, SAGA_KEY_PREFIX: drainPrefix }),
  );
  const drainStarted = performance.now();
  await waitForCount(redis, `${drainHead}state:compensated`, BACKLOG);
  const drainS = (performance.now() - drainStarted) / 1000;
  await drainService.close();

  const ledger = (await (await request(`${mock.urls.payment}/__ledger`)).body.json()) as {
    totals: { chargedCents: number; refundedCents: number };
  };
  const result = {
    sagas: Math.min(SAGAS, picks.length),
    completedPerSecond: Math.round(Math.min(SAGAS, picks.length) / throughputS),
    throughputSeconds: Number(throughputS.toFixed(2)),
    backlog: BACKLOG,
    drainSeconds: Number(drainS.toFixed(2)),
    drainedPerSecond: Math.round(BACKLOG / drainS),
    refundedCents: ledger.totals.refundedCents,
  };
  log.info(result, 'saga benchmark');
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const p of [prefix, drainPrefix]) await unlinkKeysMatching(redis, `${p}*`);
  await redis.quit();
  await mock.close();
}

main().catch((err: unknown) => {
  log.error({ err }, 'saga benchmark failed');
  process.exit(1);
});
