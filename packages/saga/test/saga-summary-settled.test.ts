import { describe, expect, it } from 'vitest';
import type { Saga, SagaEvent, SagaState } from '../src/saga';
import { summarize } from '../src/saga-search';

const at = '2026-01-01T12:00:00.000Z';
const key = (step: string) => `sg-1:${step}`;

function saga(state: SagaState, history: SagaEvent[]): Saga {
  return {
    id: 'sg-1',
    type: 'place_order',
    clientKey: 'k-1',
    input: { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] },
    state,
    context: { orderId: 'o-1', totalCents: 1_000, currency: 'EUR' },
    history,
    createdAt: at,
    updatedAt: at,
    dueAt: null,
  };
}

// The newcomer review's saga: shipment refused, refund refused with 422 and dead-lettered,
// replayed, refunded.
const replayedRefund: SagaEvent[] = [
  {
    type: 'compensation_required',
    cause: 'failure',
    reason: 'create_shipment failed: rejected with 409',
    at,
  },
  {
    type: 'compensation_failed',
    step: 'refund_payment',
    attempt: 1,
    idempotencyKey: key('refund_payment'),
    answer: { status: 422, body: 'no' },
    retryable: false,
    at,
  },
  { type: 'dead_lettered', reason: 'refund_payment: rejected with 422', at },
  { type: 'replayed', actor: 'op', reason: 'provider fixed', at },
  {
    type: 'compensation_succeeded',
    step: 'refund_payment',
    attempt: 2,
    idempotencyKey: key('refund_payment'),
    answer: { status: 201, body: {} },
    at,
  },
];

describe('a settled saga in the operator list', () => {
  it('a compensated saga shows why it compensated and no problem a replay overcame', () => {
    // The state as stored before the engine kept the cause across a replay.
    const summary = summarize(
      saga(
        { status: 'compensated', cause: 'failure', reason: 'refund_payment: rejected with 422' },
        replayedRefund,
      ),
      false,
    );
    expect(summary.reason).toBe('create_shipment failed: rejected with 409');
    expect(summary.lastProblem).toBeNull();
  });

  it('a completed saga shows no problem from a deferral it waited out', () => {
    const summary = summarize(
      saga({ status: 'completed' }, [
        {
          type: 'call_deferred',
          step: 'charge_payment',
          attempt: 1,
          reason: 'paced',
          delayMs: 5_800,
          dueAt: at,
          times: 1,
          since: at,
          at,
        },
        {
          type: 'step_succeeded',
          step: 'charge_payment',
          attempt: 1,
          idempotencyKey: key('charge_payment'),
          answer: { status: 201, body: {} },
          at,
        },
      ]),
      false,
    );
    expect(summary.lastProblem).toBeNull();
  });

  it('a dead-lettered saga still shows its last problem', () => {
    const summary = summarize(
      saga(
        {
          status: 'dead_lettered',
          phase: 'compensating',
          cause: 'failure',
          reason: 'refund_payment: rejected with 422',
          at,
        },
        replayedRefund.slice(0, 3),
      ),
      false,
    );
    expect(summary.reason).toBe('refund_payment: rejected with 422');
    expect(summary.lastProblem?.summary).toBe('payment answered 422');
  });
});
