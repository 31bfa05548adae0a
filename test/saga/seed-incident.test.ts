import { isTerminal, type SagaView } from '@edge/saga';
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

// The incident: refunds answered 429 while shipments failed, the refund was not retried and went
// to an unwatched DLQ. Here the refund outage lasts the incident's 30 s (inside the 60 s retry
// budget), and every affected customer must end up refunded exactly once.
const OUTAGE_MS = 30_000;
const ORDERS = 200;

describe('seed incident replayed', () => {
  let mock: ServicesMock;
  let items: Awaited<ReturnType<typeof stockedItems>>;
  let orchestrator: Orchestrator;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    items = await stockedItems(mock);
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, {
        SAGA_COMPENSATION_BUDGET_MS: '60000',
        SAGA_COMPENSATION_MAX_ATTEMPTS: '100',
      }),
    );
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await mock?.close();
    await cleanup();
  });

  it('every charged customer whose order failed is refunded exactly once and the DLQ is empty', async () => {
    await injectFault(mock.urls.payment, {
      route: 'POST /refunds',
      mode: '429',
      retryAfterS: 1,
      durationMs: OUTAGE_MS,
    });
    await injectFault(mock.urls.shipping, {
      route: 'POST /shipments',
      mode: 'error',
      status: 503,
      durationMs: OUTAGE_MS,
    });
    const refs = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) =>
        orchestrator.client.placeOrder(
          { idempotencyKey: `incident-${i}`, items: items(i) },
          undefined,
          await orchestrator.asUser(`u-${(i % 300) + 1}`),
        ),
      ),
    );
    const sagas = await waitUntil(
      'every saga to settle',
      async () => {
        const views = await Promise.all(refs.map((r) => orchestrator.client.get(r.id)));
        return views.every((v) => isTerminal(v.status) || v.status === 'dead_lettered')
          ? views
          : undefined;
      },
      90_000,
      500,
    );
    const byStatus = (status: SagaView['status']) => sagas.filter((s) => s.status === status);
    const failed = byStatus('compensated');
    // The outage must have hit: many orders failed at shipment and had been charged.
    expect(failed.length).toBeGreaterThan(ORDERS / 4);
    expect(byStatus('completed').length + failed.length).toBe(ORDERS);
    const orders = await ledger(mock);
    let refundedAfter429 = 0;
    for (const saga of sagas) {
      const entry = orders[saga.orderId ?? ''];
      const charges = entry?.charges ?? [];
      const refunds = entry?.refunds ?? [];
      expect(charges.length).toBeLessThanOrEqual(1);
      if (saga.status === 'completed') {
        expect(refunds).toHaveLength(0);
        continue;
      }
      const charged = charges.reduce((sum, c) => sum + c.amountCents, 0);
      expect(refunds).toHaveLength(charges.length);
      expect(refunds.reduce((sum, r) => sum + r.amountCents, 0)).toBe(charged);
      const saw429 = saga.history.some(
        (e) =>
          e.type === 'compensation_failed' &&
          e.step === 'refund_payment' &&
          'status' in e.answer &&
          e.answer.status === 429,
      );
      if (saw429) refundedAfter429++;
    }
    expect(refundedAfter429).toBeGreaterThan(0);
    expect(await orchestrator.client.list('dead_lettered')).toHaveLength(0);
  }, 150_000);
});
