import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  type Redis,
  signInternalToken,
} from '@edge/common';
import { createProductReadModel, Projector } from '@edge/projection';
import { loadSagaConfig, type SagaService, startSagaService } from '@edge/saga';
import {
  createRedisProductEvents,
  type ServicesMock,
  startServicesMock,
} from '@edge/services-mock';
import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteTestKeys, newRedis, testNames } from './test-redis';

const log = createLogger({ service: 'stale-price-test', level: 'silent' });
let names: ReturnType<typeof testNames>;
let redis: Redis;
let mock: ServicesMock;
let saga: SagaService;
let closeEvents: () => Promise<void>;
let dataDir: string;

beforeAll(async () => {
  names = testNames();
  redis = newRedis();
  const events = createRedisProductEvents({
    redis: newRedis(),
    stream: names.stream,
    log,
    heartbeatMs: 0,
  });
  closeEvents = events.close;
  mock = await startServicesMock({ logLevel: 'silent', productEvents: events });
  dataDir = mkdtempSync(join(tmpdir(), 'stale-price-'));
  const config = loadSagaConfig({
    SAGA_PORT: '0',
    STORE_MODE: 'memory',
    DATA_DIR: dataDir,
    ORDER_SERVICE_URL: mock.urls.order,
    INVENTORY_SERVICE_URL: mock.urls.inventory,
    PAYMENT_SERVICE_URL: mock.urls.payment,
    SHIPPING_SERVICE_URL: mock.urls.shipping,
    SAGA_POLL_INTERVAL_MS: '20',
    LOG_LEVEL: 'silent',
  });
  saga = await startSagaService(config, log);
});

afterAll(async () => {
  await saga.close();
  await mock.close();
  await closeEvents();
  await deleteTestKeys(redis, names);
  await redis.quit();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a price change cannot make a customer pay a stale price, even with the read model behind', async () => {
  // Project the seed, then stop: the read model now shows the old price and stays stale.
  const projector = new Projector({
    redis,
    stream: names.stream,
    keys: names.keys,
    log,
    consumer: 'c',
    blockMs: 50,
  });
  await projector.start();
  const reads = createProductReadModel(redis, { prefix: names.prefix, namespaceCacheMs: 0 });
  const stale = await waitUntil(
    'seed projected',
    async () => (await reads.getMany(['p-12'], 'web')).items[0],
    5_000,
  );
  await projector.stop();

  const newPrice = stale.price.amountCents + 5_000;
  const changed = await fetch(`${mock.urls.product}/products/p-12/price`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      priceCents: newPrice,
      expectedVersion: stale.version,
      actor: 'ops',
      reason: 'raise',
    }),
  });
  expect(changed.status).toBe(200);
  expect((await reads.getMany(['p-12'], 'web')).items[0]?.price.amountCents).toBe(
    stale.price.amountCents,
  );

  // The user is the identity the edge signed, forwarded as a BFF does.
  const edgeKey = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
  const identity = await signInternalToken({ surface: 'web', userId: 'u-1' }, edgeKey, 'web');
  const placed = await fetch(`${saga.url}/sagas?waitMs=10000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: identity },
    body: JSON.stringify({
      idempotencyKey: 'stale-1',
      type: 'place_order',
      items: [{ productId: 'p-12', quantity: 2 }],
    }),
  });
  const answer = (await placed.json()) as { status: string; orderId: string };
  expect(answer.status).toBe('completed');
  const ledger = (await (await fetch(`${mock.urls.payment}/__ledger`)).json()) as {
    orders: Record<string, { charges: Array<{ amountCents: number }> }>;
  };
  expect(ledger.orders[answer.orderId]?.charges.map((c) => c.amountCents)).toEqual([newPrice * 2]);
});
