import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

const SAGAS = 100;

describe('orchestrator killed with sagas in flight', () => {
  let mock: ServicesMock;
  let items: Awaited<ReturnType<typeof stockedItems>>;
  let first: Orchestrator | undefined;
  let second: Orchestrator | undefined;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    items = await stockedItems(mock);
  });

  afterAll(async () => {
    await second?.stop();
    await mock?.close();
    await cleanup();
  });

  it('kill -9 then restart: every saga ends completed or compensated and the ledger balances', async () => {
    const env = orchestratorEnv(mock, prefix, { SAGA_LEASE_TTL_MS: '2500' });
    first = await spawnOrchestrator(env);
    // Slow providers keep sagas mid-flight; some shipments fail so compensations are in flight too.
    // services-mock applies the first matching fault, so the specific one goes first.
    await injectFault(mock.urls.shipping, {
      route: 'POST /shipments',
      mode: 'error',
      status: 409,
      calls: 30,
    });
    for (const url of [
      mock.urls.order,
      mock.urls.inventory,
      mock.urls.payment,
      mock.urls.shipping,
    ]) {
      await injectFault(url, { mode: 'latency', latencyMs: 150, durationMs: 4_000 });
    }
    const refs = await Promise.all(
      Array.from({ length: SAGAS }, async (_, i) =>
        (first as Orchestrator).client.placeOrder(
          { idempotencyKey: `crash-${i}`, items: items(i + 100) },
          undefined,
          await (first as Orchestrator).asUser('u-3'),
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    const active = await Promise.all(
      (['pending', 'running', 'compensating'] as const).map((state) =>
        (first as Orchestrator).client.list(state, 1000),
      ),
    );
    await first.kill9();
    const inFlightAtKill = active.flat().length;

    second = await spawnOrchestrator(env);
    const sagas = await waitUntil(
      'every saga to finish after restart',
      async () => {
        const views = await Promise.all(refs.map((r) => (second as Orchestrator).client.get(r.id)));
        return views.every((v) => v.status === 'completed' || v.status === 'compensated')
          ? views
          : undefined;
      },
      60_000,
      250,
    );
    expect(inFlightAtKill).toBeGreaterThan(SAGAS / 2);
    // Calls cut off by the kill were re-sent with their original key after the restart.
    const resent = sagas.filter((s) => {
      const starts = s.history.filter(
        (e) => e.type === 'step_started' || e.type === 'compensation_started',
      );
      return new Set(starts.map((e) => e.step)).size < starts.length;
    });
    expect(resent.length).toBeGreaterThan(0);
    expect(sagas.filter((s) => s.status === 'compensated').length).toBeGreaterThan(0);
    expect(sagas.filter((s) => s.status === 'completed').length).toBeGreaterThan(0);
    const orders = await ledger(mock);
    let charged = 0;
    let refunded = 0;
    let kept = 0;
    for (const saga of sagas) {
      const entry = orders[saga.orderId ?? ''];
      const charges = entry?.charges ?? [];
      const refunds = entry?.refunds ?? [];
      expect(charges.length).toBeLessThanOrEqual(1);
      expect(refunds.length).toBeLessThanOrEqual(1);
      const c = charges.reduce((sum, x) => sum + x.amountCents, 0);
      const r = refunds.reduce((sum, x) => sum + x.amountCents, 0);
      charged += c;
      refunded += r;
      if (saga.status === 'completed') {
        expect(c).toBeGreaterThan(0);
        expect(r).toBe(0);
        kept += c;
      } else {
        expect(r).toBe(c);
      }
    }
    expect(charged - refunded).toBe(kept);
  });
});
