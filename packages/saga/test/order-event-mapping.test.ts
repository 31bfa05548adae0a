import { describe, expect, it } from 'vitest';
import { orderEventsOf } from '../src/order-event-mapping';
import type { Saga, SagaEvent, SagaState } from '../src/saga';

const at = '2026-01-01T00:00:00.000Z';

function saga(state: SagaState, history: SagaEvent[] = []): Saga {
  return {
    id: 'sg-1',
    type: 'place_order',
    clientKey: 'k-1',
    input: { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 2 }] },
    state,
    context: { orderId: 'o-1', totalCents: 4200, currency: 'USD' },
    history,
    createdAt: at,
    updatedAt: at,
    dueAt: null,
  };
}

const refunded: SagaEvent = {
  type: 'compensation_succeeded',
  step: 'refund_payment',
  attempt: 1,
  idempotencyKey: 'sg-1:refund_payment',
  answer: { status: 201, body: {} },
  at,
};

describe('order events of saga transitions', () => {
  it('reaching completed publishes one OrderConfirmed with the order and its items', () => {
    const events = orderEventsOf(saga({ status: 'running' }), saga({ status: 'completed' }));
    expect(events).toEqual([
      {
        id: 'sg-1:OrderConfirmed',
        type: 'OrderConfirmed',
        version: 1,
        occurredAt: at,
        data: {
          sagaId: 'sg-1',
          orderId: 'o-1',
          userId: 'u-1',
          partnerId: null,
          items: [{ productId: 'p-1', quantity: 2 }],
          totalCents: 4200,
          currency: 'USD',
        },
      },
    ]);
  });

  it('a succeeded refund publishes OrderRefunded once, when it is appended', () => {
    const compensating: SagaState = { status: 'compensating', cause: 'cancel', reason: 'r' };
    const before = saga(compensating);
    const after = saga(compensating, [refunded]);
    expect(orderEventsOf(before, after).map((e) => e.type)).toEqual(['OrderRefunded']);
    // A later transition that appends nothing new does not repeat it.
    expect(orderEventsOf(after, saga(compensating, [refunded]))).toEqual([]);
  });

  it('a refund whose lookup found no charge publishes nothing: no money moved back', () => {
    const compensating: SagaState = { status: 'compensating', cause: 'failure', reason: 'r' };
    const nothing: SagaEvent = {
      ...refunded,
      answer: { status: 200, body: { verified: 'nothing_to_undo' } },
    };
    expect(orderEventsOf(saga(compensating), saga(compensating, [nothing]))).toEqual([]);
    // Found already refunded (its answer was lost earlier): the money did go back.
    const already: SagaEvent = {
      ...refunded,
      answer: { status: 200, body: { verified: 'already_undone', resource: {} } },
    };
    expect(
      orderEventsOf(saga(compensating), saga(compensating, [already])).map((e) => e.type),
    ).toEqual(['OrderRefunded']);
  });

  it('a refund an operator edited before the replay publishes the edited amount', () => {
    const compensating: SagaState = { status: 'compensating', cause: 'failure', reason: 'r' };
    const replayed: SagaEvent = {
      type: 'replayed',
      actor: 'oncall',
      reason: 'voucher for the rest',
      at,
      edit: {
        step: 'refund_payment',
        input: { amountCents: 3000 },
        changes: [{ field: 'amountCents', before: 4200, after: 3000 }],
      },
    };
    const [event] = orderEventsOf(
      saga(compensating, [replayed]),
      saga(compensating, [replayed, refunded]),
    );
    expect(event).toMatchObject({ type: 'OrderRefunded', data: { amountCents: 3000 } });
  });

  it('a cancelled saga reaching compensated publishes OrderCancelled; a failed one does not', () => {
    const completed: SagaEvent = { type: 'completed', at };
    const cancel = orderEventsOf(
      saga({ status: 'compensating', cause: 'cancel', reason: 'customer asked' }, [completed]),
      saga({ status: 'compensated', cause: 'cancel', reason: 'customer asked' }, [completed]),
    );
    expect(cancel.map((e) => [e.type, e.data])).toEqual([
      [
        'OrderCancelled',
        { sagaId: 'sg-1', orderId: 'o-1', userId: 'u-1', reason: 'customer asked' },
      ],
    ]);
    const failure = orderEventsOf(
      saga({ status: 'compensating', cause: 'failure', reason: 'out of stock' }),
      saga({ status: 'compensated', cause: 'failure', reason: 'out of stock' }),
    );
    expect(failure).toEqual([]);
  });

  it('a saga cancelled before it completed publishes no OrderCancelled: no OrderConfirmed preceded it', () => {
    const cancelledEarly = orderEventsOf(
      saga({ status: 'compensating', cause: 'cancel', reason: 'customer asked' }),
      saga({ status: 'compensated', cause: 'cancel', reason: 'customer asked' }),
    );
    expect(cancelledEarly).toEqual([]);
  });

  it('no order yet, no event', () => {
    const before = { ...saga({ status: 'running' }), context: {} };
    const after = { ...saga({ status: 'completed' }), context: {} };
    expect(orderEventsOf(before, after)).toEqual([]);
  });
});
