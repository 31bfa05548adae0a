import { describe, expect, it } from 'vitest';
import { runStep } from '../src/order-saga';
import type { ProviderClient } from '../src/provider-client';
import type { Saga, SagaEvent } from '../src/saga';
import { compensationsOwed, decide } from '../src/saga-decision';

const AT = '2026-01-01T00:00:00.000Z';
const key = (step: string) => `sg-1:${step}`;

const succeeded = (step: 'create_order' | 'reserve_inventory' | 'charge_payment'): SagaEvent => ({
  type: 'step_succeeded',
  step,
  attempt: 1,
  idempotencyKey: key(step),
  at: AT,
  answer: { status: 201, body: {} },
});
const chargeStarted = (attempt: number): SagaEvent => ({
  type: 'step_started',
  step: 'charge_payment',
  attempt,
  idempotencyKey: key('charge_payment'),
  at: AT,
});
const chargeFailed = (attempt: number, status: number, retryable: boolean): SagaEvent => ({
  type: 'step_failed',
  step: 'charge_payment',
  attempt,
  idempotencyKey: key('charge_payment'),
  at: AT,
  answer: { status, body: {} },
  retryable,
  // A 429 or a 402 is the provider saying it did nothing with this request.
  maybeApplied: false,
});
const chargeDeferred = (attempt: number): SagaEvent => ({
  type: 'call_deferred',
  step: 'charge_payment',
  attempt,
  reason: 'breaker_open',
  delayMs: 1000,
  dueAt: AT,
  times: 1,
  since: AT,
  at: AT,
});

/** A saga compensating after its charge step gave up, with the charge's history as given. */
function compensatingAfter(charge: SagaEvent[]): Saga {
  return {
    id: 'sg-1',
    type: 'place_order',
    clientKey: 'k',
    input: { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] },
    state: { status: 'compensating', cause: 'failure', reason: 'charge_payment: horizon' },
    context: { orderId: 'o-1', totalCents: 5000, currency: 'EUR', reservationId: 'r-1' },
    history: [
      {
        type: 'saga_created',
        clientKey: 'k',
        input: { userId: 'u-1', partnerId: null, items: [] },
        at: AT,
      },
      succeeded('create_order'),
      succeeded('reserve_inventory'),
      ...charge,
      {
        type: 'compensation_required',
        cause: 'failure',
        reason: 'charge_payment: horizon',
        at: AT,
      },
    ],
    createdAt: AT,
    updatedAt: AT,
    dueAt: 0,
  };
}

describe('what a compensation owes after an attempt whose answer was never learnt', () => {
  it('a start that never got an outcome (crash, lost lease) owes a verified refund, whatever later attempts answered', () => {
    for (const later of [
      // The next holder's attempt was answered 429: that says nothing of attempt 1.
      [chargeStarted(2), chargeFailed(2, 429, true)],
      // The next holder's attempt never left the process (the deferral replaces its start).
      [chargeDeferred(2)],
      [chargeStarted(2), chargeFailed(2, 503, true), chargeDeferred(3)],
    ]) {
      const saga = compensatingAfter([chargeStarted(1), ...later]);
      expect(compensationsOwed(saga)).toEqual([
        'refund_payment',
        'release_inventory',
        'close_order',
      ]);
      // The charge id was never learnt, so the refund first looks the charge up by its key.
      expect(decide(saga, undefined, Date.parse(AT))).toMatchObject({
        kind: 'run',
        run: { step: 'refund_payment', attempt: 1 },
      });
    }
  });

  it('every attempt answered "nothing done" (429, 402) or never sent owes no refund', () => {
    for (const charge of [
      [chargeStarted(1), chargeFailed(1, 429, true), chargeDeferred(2)],
      [chargeStarted(1), chargeFailed(1, 429, true), chargeStarted(2), chargeFailed(2, 402, false)],
      [chargeDeferred(1)],
    ]) {
      expect(compensationsOwed(compensatingAfter(charge))).toEqual([
        'release_inventory',
        'close_order',
      ]);
    }
  });
});

describe('an undo retried after the provider may have forgotten its key', () => {
  const HOUR = 3_600_000;
  const started = Date.parse(AT);
  /** A refund whose first attempt timed out (it may have landed) and whose retry is now due. */
  function refundRetried(): Saga {
    const saga = compensatingAfter([chargeStarted(1), succeeded('charge_payment')]);
    saga.context = { ...saga.context, chargeId: 'ch-1' };
    saga.history.push(
      {
        type: 'compensation_started',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: key('refund_payment'),
        at: AT,
      },
      {
        type: 'compensation_failed',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: key('refund_payment'),
        at: AT,
        answer: { error: 'timeout after 5000 ms' },
        retryable: true,
      },
      {
        type: 'retry_scheduled',
        step: 'refund_payment',
        attempt: 1,
        delayMs: 0,
        dueAt: AT,
        at: AT,
      },
    );
    return saga;
  }

  it('within half a day the key protects the re-send; after it, the charge is looked up first', () => {
    expect(decide(refundRetried(), undefined, started + HOUR)).toMatchObject({
      kind: 'run',
      run: { step: 'refund_payment', attempt: 2, verifyFirst: false },
    });
    // The lookup sees a refund under this saga's own key and the undo is done, not sent again.
    expect(decide(refundRetried(), undefined, started + 13 * HOUR)).toMatchObject({
      kind: 'run',
      run: { step: 'refund_payment', attempt: 2, verifyFirst: true },
    });
  });
});

describe('a lookup answered 404 by something other than the provider', () => {
  /** Every lookup answered 404 as `body` says; anything else would be a refund. */
  const answering404 = (body: unknown): ProviderClient & { refunds: number } => ({
    refunds: 0,
    async call(request) {
      if (request.method === 'GET') return { kind: 'rejected', answer: { status: 404, body } };
      this.refunds++;
      return { kind: 'ok', answer: { status: 201, body: {} } };
    },
    close: async () => {},
  });
  const refundRun = (client: ProviderClient) =>
    runStep({
      saga: compensatingAfter([chargeStarted(1)]),
      step: 'refund_payment',
      cause: 'failure',
      verifyFirst: false,
      client,
      timeoutMs: 1000,
    });

  it("only the provider's own 'nothing under this key' means there is nothing to refund", async () => {
    const provider = answering404({ error: { code: 'NOT_FOUND', reason: 'nothing_under_key' } });
    expect((await refundRun(provider)).outcome).toEqual({
      kind: 'ok',
      answer: { status: 200, body: { verified: 'nothing_to_undo' } },
    });
    // A proxy's or a wrong route's 404 proves nothing: the undo is retried, not dropped.
    for (const body of ['<html>Not Found</html>', { error: { code: 'NOT_FOUND' } }]) {
      const proxy = answering404(body);
      expect((await refundRun(proxy)).outcome).toMatchObject({
        kind: 'retryable',
        maybeApplied: true,
      });
      expect(proxy.refunds).toBe(0);
    }
  });
});
