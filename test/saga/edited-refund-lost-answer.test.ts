/**
 * An edited (smaller) refund whose answer was lost, replayed after the provider forgot the
 * refund's idempotency key (payment providers keep keys about 24 h): the replay must find the
 * refund it already made and not refund the edited amount a second time. The charge alone
 * cannot tell (it is only partly refunded, as the edit wanted), so the lookup names the refund
 * by its key.
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

  it('is found by its key on the replay and never made twice', async () => {
    const items = await stockedItems(mock);
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: '429', retryAfterS: 1 });
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    const { id } = await orchestrator.client.placeOrder(
      { idempotencyKey: 'lost-answer-1', items: items(900) },
      undefined,
      await orchestrator.asUser('u-8'),
    );
    await waitUntil('the refund to dead-letter', async () =>
      (await status(id)) === 'dead_lettered' ? true : undefined,
    );
    const orderId = (await orchestrator.client.get(id)).orderId ?? '';

    // The edited refund is made, but every answer comes too late: the saga dead-letters again.
    await clearFaults(mock.urls.payment);
    await injectFault(mock.urls.payment, {
      route: 'POST /refunds',
      mode: 'applied_late',
      latencyMs: 3000,
    });
    const res = await fetch(`${orchestrator.url}/sagas/${id}/replay`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await orchestrator.operatorToken('operator')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        reason: 'customer kept one item',
        edit: { step: 'refund_payment', input: { amountCents: 100 } },
      }),
    });
    expect(res.status).toBe(202);
    await waitUntil('the edited refund to be made', async () =>
      (await ledger(mock))[orderId]?.refunds.length === 1 ? true : undefined,
    );
    await waitUntil('the saga to dead-letter again', async () =>
      (await status(id)) === 'dead_lettered' ? true : undefined,
    );

    // A day later: the late answers are long gone and the provider no longer knows the key.
    await clearFaults(mock.urls.payment);
    await waitUntil('the late answers to leave', async () =>
      (await inFlightPeak(mock.urls.payment)).inFlight === 0 ? true : undefined,
    );
    await expireRefundKeys(mock);
    await orchestrator.client.replay(id, { reason: 'the provider is back' });
    await waitUntil('the replay to settle', async () =>
      (await status(id)) === 'compensated' ? true : undefined,
    );
    expect((await ledger(mock))[orderId]?.refunds).toEqual([
      expect.objectContaining({ amountCents: 100, idempotencyKey: `${id}:refund_payment` }),
    ]);
  }, 60_000);
});
