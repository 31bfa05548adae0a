import { isTerminal } from '@edge/saga';
import { describe, expect, it } from 'vitest';
import { withDefaultsWorld } from './defaults-world';
import { callCounts, clearFaults, injectFault, ledger, waitUntil } from './saga-harness';

// An ambiguous charge is verified by its idempotency key, never re-sent by a compensation.
// Default policies: the forward horizon (10 s) ends while the charge's fate is unknown.
describe('verify, never redo: ambiguous charges on real processes', () => {
  const world = withDefaultsWorld();

  const settle = (sagaId: string) =>
    waitUntil(
      `saga ${sagaId} to settle`,
      async () => {
        const view = await world.orchestrator.client.get(sagaId);
        return isTerminal(view.status) || view.status === 'dead_lettered' ? view : undefined;
      },
      90_000,
      250,
    );

  const place = async (key: string, n: number) =>
    world.orchestrator.client.placeOrder(
      { idempotencyKey: key, items: world.items(n) },
      undefined,
      await world.orchestrator.asUser('u-11'),
    );

  it('a charge whose connection reset before the provider saw it is never created by compensation', async () => {
    // Resets for longer than the forward horizon: the charge is never answered.
    await injectFault(world.mock.urls.payment, {
      route: 'POST /charges',
      mode: 'down',
      durationMs: 14_000,
    });
    const ref = await place('reset-charge', 1);
    const saga = await settle(ref.id);
    await clearFaults(world.mock.urls.payment);
    expect(saga.status).toBe('compensated');
    const orders = await ledger(world.mock);
    expect(orders[saga.orderId ?? '']?.charges ?? []).toHaveLength(0);
    // The compensation looked the charge up by its key; every POST /charges was the forward
    // step's own (each reset), none came after compensation began.
    const calls = await callCounts(world.mock.urls.payment);
    expect(calls['GET /charges']).toBeGreaterThanOrEqual(1);
    // (A call refused by the open breaker leaves no start event: it was never sent.)
    const sent = saga.history.filter(
      (e) => e.type === 'step_started' && e.step === 'charge_payment',
    ).length;
    expect(calls['POST /charges']).toBe(sent);
    const refund = saga.history.find(
      (e) => e.type === 'compensation_succeeded' && e.step === 'refund_payment',
    );
    expect(refund && 'answer' in refund ? refund.answer : undefined).toMatchObject({
      body: { verified: 'nothing_to_undo' },
    });
  });

  it('a charge applied although its answer came too late is refunded exactly once', async () => {
    // Applied at once, answered after 15 s: every forward retry meanwhile hears "in progress",
    // the forward horizon ends, and the compensation must find the charge and refund it.
    await injectFault(world.mock.urls.payment, {
      route: 'POST /charges',
      mode: 'applied_late',
      latencyMs: 15_000,
      calls: 1,
    });
    const ref = await place('late-charge', 2);
    const saga = await settle(ref.id);
    expect(saga.status).toBe('compensated');
    const entry = (await ledger(world.mock))[saga.orderId ?? ''];
    expect(entry?.charges).toHaveLength(1);
    expect(entry?.refunds).toHaveLength(1);
    expect(entry?.refunds[0]?.amountCents).toBe(entry?.charges[0]?.amountCents);
    expect(
      saga.history.some(
        (e) =>
          e.type === 'step_failed' &&
          e.answer !== undefined &&
          'status' in e.answer &&
          e.answer.status === 409 &&
          e.retryable,
      ),
    ).toBe(true);
  });
});
