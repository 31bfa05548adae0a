// Saga orchestrator benchmark (not a test): completed sagas per second with Redis persistence,
// next to the same provider calls made bare in the same run (the ceiling), and how fast a
// backlog of pending refund compensations drains once the provider recovers.
// Usage: node_modules/.bin/tsx bench/src/saga-throughput.ts [--sagas 1000] [--backlog 10000]
//   [--concurrency 64] [--in-flight 256] [--warmup 200] [--rounds 4] [--cpu-prof-dir /tmp/prof]
//   [--node-options=--max-semi-space-size=64]
// Imports go through each package's public index by path because bench/package.json is not
// ours to change; nothing internal is reached into.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
  DEFAULT_BREAKER_POLICY,
  HttpProviderClient,
  type Saga,
  type SagaEvent,
  sagaKeyHead,
} from '../../packages/saga/src/index';
import { createSagaClient } from '../../packages/saga-client/src/index';
import { placeOrderBare } from './lib/bare-order-calls';
import { startMockProcess } from './lib/mock-process';
import { startSagaProcess } from './lib/saga-process';

const { values } = parseArgs({
  options: {
    sagas: { type: 'string', default: '1000' },
    backlog: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    'in-flight': { type: 'string', default: '256' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '4' },
    /** Orders placed as a BFF places them (waiting for the outcome), for their latency. */
    'latency-sagas': { type: 'string', default: '400' },
    /** Directory where the orchestrator process writes its CPU profile (node --cpu-prof). */
    'cpu-prof-dir': { type: 'string' },
    /** Extra Node options of the orchestrator process, e.g. `--node-options=--max-semi-space-size=64`. */
    'node-options': { type: 'string', default: '' },
  },
});
const SAGAS = Number(values.sagas);
const BACKLOG = Number(values.backlog);
const CONCURRENCY = Number(values.concurrency);
/** Sagas the worker drives at once (SAGA_MAX_CONCURRENT), and bare loops: the same calls in flight. */
const IN_FLIGHT = Number(values['in-flight']);
/** Untimed sagas run first on both sides, so neither is measured cold (JIT, pools, scripts). */
const WARMUP = Number(values.warmup);
/** Alternating batches of bare orders and sagas (see below). */
const ROUNDS = Number(values.rounds);
const LATENCY_SAGAS = Number(values['latency-sagas']);
/** What a BFF asks the orchestrator to wait for by default (ORDER_WAIT_MS), and its callers. */
const BFF_WAIT_MS = 3_000;
const LATENCY_CONCURRENCY = 16;
const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
/**
 * Pacing stays on (every call still takes a token from the shared Redis bucket) but above what
 * one machine can reach: services-mock's published 2,000 calls/s would cap the order service,
 * called twice per saga, at exactly 1,000 sagas/s. The drain phase keeps the default.
 */
const UNBINDING_PACE = '50000';
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

const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

/** The Redis server's CPU so far (INFO cpu): the whole server, so only meaningful when it serves this bench alone. */
async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) =>
    Number(info.match(new RegExp(`^${name}:([\\d.]+)`, 'm'))?.[1] ?? 0);
  return (seconds('used_cpu_sys') + seconds('used_cpu_user')) * 1_000_000;
}

async function waitForCount(redis: Redis, key: string, target: number): Promise<void> {
  while ((await redis.scard(key)) < target) await new Promise((r) => setTimeout(r, 10));
}

/** One unit of each product in stock, as many as asked: every saga and bare order reserves one. */
async function stockPicks(productUrl: string, count: number): Promise<string[]> {
  const products = Array.from({ length: 400 }, (_, i) => `p-${i + 1}`);
  const body = (await (
    await request(`${productUrl}/products?ids=${products.join(',')}`)
  ).body.json()) as { items: Array<{ id: string; stock: number }> };
  const picks: string[] = [];
  for (const { id, stock } of body.items)
    for (let u = 0; u < stock && picks.length < count; u++) picks.push(id);
  if (picks.length < count) throw new Error(`only ${picks.length} units in stock, ${count} needed`);
  return picks;
}

async function main(): Promise<void> {
  const mock = await startMockProcess();
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
    SAGA_MAX_CONCURRENT: String(IN_FLIGHT),
    LOG_LEVEL: 'warn',
  };
  const picks = await stockPicks(mock.urls.product, 2 * (WARMUP + SAGAS) + LATENCY_SAGAS);
  const pick = (i: number) => [{ productId: picks[i] ?? 'p-1', quantity: 1 }];

  // Ceiling: the same five calls per order, made bare by IN_FLIGHT loops in this process.
  const bare = new HttpProviderClient({
    baseUrls: {
      order: mock.urls.order,
      inventory: mock.urls.inventory,
      payment: mock.urls.payment,
      shipping: mock.urls.shipping,
    },
    breaker: DEFAULT_BREAKER_POLICY,
  });
  const runBare = (from: number, count: number) =>
    pool(count, IN_FLIGHT, (i) =>
      placeOrderBare(bare, `bare-${from + i}`, `u-${((from + i) % 300) + 1}`, pick(from + i)),
    );

  // Engine: the orchestrator as its own process (API, worker, Redis store, pacing), as in
  // production; sagas submitted by CONCURRENCY clients (this process, like BFFs) through
  // POST /sagas, each driven to completed by the worker (up to IN_FLIGHT at once); a batch is
  // timed until its last saga completes.
  const profile = values['cpu-prof-dir'];
  const orchestrator = await startSagaProcess({
    ...env,
    SAGA_PACE_ORDER_RATE: UNBINDING_PACE,
    SAGA_PACE_INVENTORY_RATE: UNBINDING_PACE,
    SAGA_PACE_PAYMENT_RATE: UNBINDING_PACE,
    SAGA_PACE_SHIPPING_RATE: UNBINDING_PACE,
    NODE_OPTIONS: [
      values['node-options'],
      profile ? `--cpu-prof --cpu-prof-dir=${profile}` : '',
    ].join(' '),
  });
  // Orders carry the identity the edge signs, as a BFF forwards it (signed before timing).
  const edgeKey = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
  const users = await Promise.all(
    Array.from({ length: 300 }, async (_, i) => ({
      [INTERNAL_TOKEN_HEADER]: await signInternalToken(
        { surface: 'web', userId: `u-${i + 1}` },
        edgeKey,
        'web',
        600,
      ),
    })),
  );
  const client = createSagaClient({ baseUrl: orchestrator.url });
  const completed = `${sagaKeyHead(prefix)}state:completed`;
  const runEngine = async (from: number, count: number) => {
    await pool(count, CONCURRENCY, (i) =>
      client.placeOrder(
        { idempotencyKey: `bench-${from + i}`, items: pick(WARMUP + SAGAS + from + i) },
        undefined,
        users[(from + i) % 300],
      ),
    );
    await waitForCount(redis, completed, from + count);
  };

  // 1. Both sides, in alternating batches so that a load change on this shared machine falls on
  // both rather than on one phase: ROUNDS batches of bare orders and of sagas, each side's time
  // and CPU summed over its batches.
  await runBare(0, WARMUP);
  await runEngine(0, WARMUP);
  const loadAverage = loadavg()[0] ?? 0;
  const perRound = Math.ceil(SAGAS / ROUNDS);
  const spent = {
    bareMs: 0,
    engineMs: 0,
    bareCpuUs: 0,
    clientCpuUs: 0,
    engineCpuUs: 0,
    /** services-mock's and Redis's CPU during each side's batches. */
    bareMockCpuUs: 0,
    bareRedisCpuUs: 0,
    engineMockCpuUs: 0,
    engineRedisCpuUs: 0,
  };
  for (let done = 0; done < SAGAS; done += perRound) {
    const count = Math.min(perRound, SAGAS - done);
    let started = performance.now();
    let cpu = process.cpuUsage();
    let mockCpu = mock.cpuMicros();
    let redisCpu = await redisCpuMicros(redis);
    await runBare(WARMUP + done, count);
    spent.bareMs += performance.now() - started;
    spent.bareCpuUs += cpuMicros(process.cpuUsage(cpu));
    spent.bareMockCpuUs += mock.cpuMicros() - mockCpu;
    spent.bareRedisCpuUs += (await redisCpuMicros(redis)) - redisCpu;
    started = performance.now();
    cpu = process.cpuUsage();
    mockCpu = mock.cpuMicros();
    redisCpu = await redisCpuMicros(redis);
    const engineCpu = orchestrator.cpuMicros();
    await runEngine(WARMUP + done, count);
    spent.engineMs += performance.now() - started;
    spent.clientCpuUs += cpuMicros(process.cpuUsage(cpu));
    spent.engineCpuUs += orchestrator.cpuMicros() - engineCpu;
    spent.engineMockCpuUs += mock.cpuMicros() - mockCpu;
    spent.engineRedisCpuUs += (await redisCpuMicros(redis)) - redisCpu;
  }
  const throughputS = spent.engineMs / 1000;
  const bareS = spent.bareMs / 1000;

  // 2. Latency of an order as a BFF sees it: POST /sagas?waitMs=3000 answered once the saga
  // has completed (or the wait ends), LATENCY_CONCURRENCY callers at once.
  const waiting = createSagaClient({ baseUrl: orchestrator.url, maxWaitMs: BFF_WAIT_MS });
  let unsettled = 0;
  const latencies = await pool(LATENCY_SAGAS, LATENCY_CONCURRENCY, async (i) => {
    const started = performance.now();
    const ref = await waiting.placeOrder(
      { idempotencyKey: `bench-wait-${i}`, items: pick(2 * (WARMUP + SAGAS) + i) },
      BFF_WAIT_MS,
      users[i % 300],
    );
    if (ref.status !== 'completed') unsettled++;
    return performance.now() - started;
  });
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    Number(
      (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(1),
    );
  await waiting.close();
  await bare.close();
  await client.close();
  await orchestrator.stop();

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
  const drainService = await startSagaProcess({ ...env, SAGA_KEY_PREFIX: drainPrefix });
  const drainStarted = performance.now();
  await waitForCount(redis, `${drainHead}state:compensated`, BACKLOG);
  const drainS = (performance.now() - drainStarted) / 1000;
  await drainService.stop();

  const ledger = (await (await request(`${mock.urls.payment}/__ledger`)).body.json()) as {
    totals: { chargedCents: number; refundedCents: number };
  };
  const enginePerSecond = SAGAS / throughputS;
  const barePerSecond = SAGAS / bareS;
  const result = {
    sagas: SAGAS,
    completedPerSecond: Math.round(enginePerSecond),
    throughputSeconds: Number(throughputS.toFixed(2)),
    barePerSecond: Math.round(barePerSecond),
    bareSeconds: Number(bareS.toFixed(2)),
    engineVsBare: Number((enginePerSecond / barePerSecond).toFixed(3)),
    // CPU per saga of the orchestrator process, of the 64 clients (this process), and of the
    // bare loops (this process): steadier than rates on a shared machine. services-mock's and
    // Redis's own CPU are in none of them.
    engineCpuUsPerSaga: Math.round(spent.engineCpuUs / SAGAS),
    clientCpuUsPerSaga: Math.round(spent.clientCpuUs / SAGAS),
    bareCpuUsPerSaga: Math.round(spent.bareCpuUs / SAGAS),
    // Every process's CPU per saga on each side (the two cores' whole budget): engine =
    // orchestrator + clients + services-mock + Redis; bare = bare loops + services-mock + Redis.
    // On a CPU-bound machine their quotient bounds engine/bare.
    cpuPerSagaAll: {
      engine: Math.round(
        (spent.engineCpuUs + spent.clientCpuUs + spent.engineMockCpuUs + spent.engineRedisCpuUs) /
          SAGAS,
      ),
      bare: Math.round((spent.bareCpuUs + spent.bareMockCpuUs + spent.bareRedisCpuUs) / SAGAS),
      engineMock: Math.round(spent.engineMockCpuUs / SAGAS),
      engineRedis: Math.round(spent.engineRedisCpuUs / SAGAS),
      bareMock: Math.round(spent.bareMockCpuUs / SAGAS),
    },
    loadAverage: Number(loadAverage.toFixed(2)),
    waitedOrderMs: { p50: percentile(0.5), p99: percentile(0.99), unsettled },
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
