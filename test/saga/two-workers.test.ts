import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inFlightPeak,
  injectFault,
  ledger,
  type Orchestrator,
  orchestratorEnv,
  spawnOrchestrator,
  startMock,
  stockedItems,
  testPrefix,
  waitUntil,
} from './saga-harness';

const SAGAS = 40;
const LEASE_TTL_MS = 3_000;
/** Longer than half the lease: a worker that did not renew would be close to losing it. */
const CHARGE_LATENCY_MS = 1_600;

describe('two worker processes on one Redis', () => {
  let mock: ServicesMock;
  let items: Awaited<ReturnType<typeof stockedItems>>;
  const workers: Orchestrator[] = [];
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    items = await stockedItems(mock);
    const env = orchestratorEnv(mock, prefix, {
      SAGA_LEASE_TTL_MS: String(LEASE_TTL_MS),
      // Well above the charge latency: a timed-out charge still held by the provider would be
      // a second request in flight under its key, by the same worker.
      SAGA_FORWARD_TIMEOUT_MS: '2400',
    });
    workers.push(await spawnOrchestrator(env), await spawnOrchestrator(env));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await mock?.close();
    await cleanup();
  });

  const worker = (i: number) => workers[i % 2] as Orchestrator;

  it('no provider request is ever in flight from both: each key is served once at a time', async () => {
    await injectFault(mock.urls.payment, {
      route: 'POST /charges',
      mode: 'latency',
      latencyMs: CHARGE_LATENCY_MS,
    });
    // Half the orders fail at shipment, so refunds run too.
    await injectFault(mock.urls.shipping, {
      route: 'POST /shipments',
      mode: 'error',
      status: 409,
      calls: SAGAS / 2,
    });
    const place = (i: number, by: Orchestrator) =>
      by
        .asUser('u-9')
        .then((headers) =>
          by.client.placeOrder(
            { idempotencyKey: `pair-${i}`, items: items(i + 200) },
            undefined,
            headers,
          ),
        );
    const refs = await Promise.all(Array.from({ length: SAGAS }, (_, i) => place(i, worker(i))));
    // Both workers also get a duplicate of every request: same key, same saga.
    const again = await Promise.all(refs.map((_, i) => place(i, worker(i + 1))));
    expect(again.map((r) => r.id)).toEqual(refs.map((r) => r.id));
    expect(again.every((r) => !r.created)).toBe(true);

    const client = worker(0).client;
    const sagas = await waitUntil(
      'every saga to settle',
      async () => {
        const views = await Promise.all(refs.map((r) => client.get(r.id)));
        return views.every((v) => v.status === 'completed' || v.status === 'compensated')
          ? views
          : undefined;
      },
      90_000,
      250,
    );
    // The property, not call counts: a provider never saw one key twice at once.
    for (const url of [
      mock.urls.order,
      mock.urls.inventory,
      mock.urls.payment,
      mock.urls.shipping,
    ]) {
      expect((await inFlightPeak(url)).maxConcurrentPerKey).toBeLessThanOrEqual(1);
    }
    const orders = await ledger(mock);
    for (const saga of sagas) {
      const entry = orders[saga.orderId ?? ''];
      expect(entry?.charges).toHaveLength(1);
      expect(entry?.refunds).toHaveLength(saga.status === 'compensated' ? 1 : 0);
    }
    expect(sagas.filter((s) => s.status === 'compensated')).toHaveLength(SAGAS / 2);
  });
});
