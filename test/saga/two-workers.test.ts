import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callCounts,
  injectFault,
  type Orchestrator,
  orchestratorEnv,
  spawnOrchestrator,
  startMock,
  stockedItems,
  testPrefix,
  waitUntil,
} from './saga-harness';

const SAGAS = 100;

describe('two worker processes on one Redis', () => {
  let mock: ServicesMock;
  let items: Awaited<ReturnType<typeof stockedItems>>;
  const workers: Orchestrator[] = [];
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    items = await stockedItems(mock);
    const env = orchestratorEnv(mock, prefix);
    workers.push(await spawnOrchestrator(env), await spawnOrchestrator(env));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await mock?.close();
    await cleanup();
  });

  it('no saga is executed by both: every provider call happens once per saga', async () => {
    // Latency widens the window in which both workers see the same due sagas.
    await injectFault(mock.urls.payment, { mode: 'latency', latencyMs: 30 });
    const refs = await Promise.all(
      Array.from({ length: SAGAS }, async (_, i) =>
        (workers[i % 2] as Orchestrator).client.placeOrder(
          { idempotencyKey: `pair-${i}`, items: items(i + 200) },
          undefined,
          await (workers[i % 2] as Orchestrator).asUser('u-9'),
        ),
      ),
    );
    // Both workers also get a duplicate of every request: same key, same saga.
    const again = await Promise.all(
      refs.map(async (_, i) =>
        (workers[(i + 1) % 2] as Orchestrator).client.placeOrder(
          { idempotencyKey: `pair-${i}`, items: items(i + 200) },
          undefined,
          await (workers[(i + 1) % 2] as Orchestrator).asUser('u-9'),
        ),
      ),
    );
    expect(again.map((r) => r.id)).toEqual(refs.map((r) => r.id));
    expect(again.every((r) => !r.created)).toBe(true);
    const client = (workers[0] as Orchestrator).client;
    const sagas = await waitUntil(
      'every saga to complete',
      async () => {
        const views = await Promise.all(refs.map((r) => client.get(r.id)));
        return views.every((v) => v.status === 'completed') ? views : undefined;
      },
      20_000,
      250,
      async () => {
        const views = await Promise.all(refs.map((r) => client.get(r.id)));
        const odd = views.filter((v) => v.status !== 'completed').slice(0, 2);
        return (
          JSON.stringify(odd, null, 1).slice(0, 4000) +
          workers
            .map((w) => w.lines.filter((l) => !l.includes('"level":"info"')).join('\n'))
            .join('\n')
        );
      },
    );
    for (const saga of sagas) {
      const starts = saga.history.filter((e) => e.type === 'step_started');
      expect(starts.map((e) => e.step)).toEqual([
        'create_order',
        'reserve_inventory',
        'charge_payment',
        'create_shipment',
        'confirm_order',
      ]);
    }
    expect((await callCounts(mock.urls.order))['POST /orders']).toBe(SAGAS);
    expect((await callCounts(mock.urls.inventory))['POST /reservations']).toBe(SAGAS);
    expect((await callCounts(mock.urls.payment))['POST /charges']).toBe(SAGAS);
    expect((await callCounts(mock.urls.shipping))['POST /shipments']).toBe(SAGAS);
  }, 90_000);
});
