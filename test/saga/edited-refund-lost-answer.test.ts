/**
 * An edited (smaller) refund whose answer was lost. Replayed after the provider forgot the
 * refund's idempotency key (payment providers keep keys about 24 h), the saga must find the
 * refund it already made and not refund the edited amount a second time: the charge alone cannot
 * tell (it is only partly refunded, as the edit wanted), so the lookup names the refund by its
 * key. Replayed with a larger edit, the refund already made stands and the reconciliation's fix
 * refunds up to the new amount, never the part the edit kept.
 */
import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  expireRefundKeys,
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

describe('an edited refund whose answer was lost', () => {
  let mock: ServicesMock;
  let orchestrator: Orchestrator;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, { SAGA_COMPENSATION_HORIZON_MS: '1000' }),
    );
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await mock?.close();
    await cleanup();
  });

  const status = async (id: string) => (await orchestrator.client.get(id)).status;
  const settled = (id: string, wanted: string, what: string) =>
    waitUntil(what, async () => ((await status(id)) === wanted ? true : undefined));

  async function replay(id: string, reason: string, amountCents?: number) {
    const res = await fetch(`${orchestrator.url}/sagas/${id}/replay`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await orchestrator.operatorToken('operator')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        reason,
        ...(amountCents ? { edit: { step: 'refund_payment', input: { amountCents } } } : {}),
      }),
    });
    expect(res.status).toBe(202);
  }

  /** A saga whose refund of 100 (edited) was made while every answer came too late. */
  async function lostEditedRefund(n: number): Promise<{ id: string; orderId: string }> {
    const items = await stockedItems(mock);
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: '429', retryAfterS: 1 });
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    const { id } = await orchestrator.client.placeOrder(
      { idempotencyKey: `lost-answer-${n}`, items: items(900 + n) },
      undefined,
      await orchestrator.asUser('u-8'),
    );
    await settled(id, 'dead_lettered', 'the refund to dead-letter');
    await clearFaults(mock.urls.shipping);
    const orderId = (await orchestrator.client.get(id)).orderId ?? '';
    await clearFaults(mock.urls.payment);
    await injectFault(mock.urls.payment, {
      route: 'POST /refunds',
      mode: 'applied_late',
      latencyMs: 3000,
    });
    await replay(id, 'customer kept one item', 100);
    await waitUntil('the edited refund to be made', async () =>
      (await ledger(mock))[orderId]?.refunds.length === 1 ? true : undefined,
    );
    await settled(id, 'dead_lettered', 'the saga to dead-letter again');
    await clearFaults(mock.urls.payment);
    await waitUntil('the late answers to leave', async () =>
      (await inFlightPeak(mock.urls.payment)).inFlight === 0 ? true : undefined,
    );
    return { id, orderId };
  }

  it('is found by its key on a replay after the provider forgot the key, never made twice', async () => {
    const { id, orderId } = await lostEditedRefund(1);
    await expireRefundKeys(mock);
    await replay(id, 'the provider is back');
    await settled(id, 'compensated', 'the replay to settle');
    expect((await ledger(mock))[orderId]?.refunds).toEqual([
      expect.objectContaining({ amountCents: 100, idempotencyKey: `${id}:refund_payment` }),
    ]);
  });

  it('stands when a later edit asks more; the reconciliation refunds up to it, not the kept part', async () => {
    const { id, orderId } = await lostEditedRefund(2);
    await replay(id, 'refund 30.00 after all', 3000);
    await settled(id, 'compensated', 'the replay to settle');
    expect((await ledger(mock))[orderId]?.refunds).toHaveLength(1);
    const report = await orchestrator.client.reconciliation();
    expect(report.findings.filter((f) => f.orderId === orderId)).toEqual([
      expect.objectContaining({
        kind: 'charged_without_order',
        fix: expect.objectContaining({
          body: expect.objectContaining({ amountCents: 3000 - 100 }),
        }),
      }),
    ]);
  });
});
