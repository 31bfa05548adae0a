import {
  ORDER_EVENT_VERSION,
  type OrderEvent,
  type OrderEventType,
  orderEventId,
} from '@edge/order-events';
import { editedInput } from './editable-input.js';
import { undidNothing } from './order-saga.js';
import type { Saga } from './saga.js';

/**
 * The order events a persisted transition from `before` to `after` publishes, written in the
 * same atomic store write as the transition itself. Each fact has one event id per saga, so a
 * transition written twice (a crash between the embedded store's two writes) repeats the same
 * event, which consumers dedupe by id.
 *
 * - `OrderConfirmed` when the saga reaches `completed`;
 * - `OrderRefunded` when a `refund_payment` compensation succeeds having refunded something (not
 *   when its lookup found no charge to refund);
 * - `OrderCancelled` when a saga that had completed (a confirmed order) and was then cancelled
 *   reaches `compensated`. A saga cancelled before it completed never published
 *   `OrderConfirmed`, so nothing downstream (a pick list, a confirmation email) has anything to
 *   cancel; its `OrderRefunded` still says that money went back.
 */
export function orderEventsOf(before: Saga, after: Saga): OrderEvent[] {
  const { orderId, totalCents, currency } = after.context;
  if (orderId === undefined) return [];
  const head = (type: OrderEventType) => ({
    id: orderEventId(after.id, type),
    version: ORDER_EVENT_VERSION,
    occurredAt: after.updatedAt,
  });
  const base = { sagaId: after.id, orderId, userId: after.input.userId };
  const events: OrderEvent[] = [];
  const entered = (status: Saga['state']['status']) =>
    after.state.status === status && before.state.status !== status;
  if (entered('completed') && totalCents !== undefined && currency !== undefined) {
    events.push({
      ...head('OrderConfirmed'),
      type: 'OrderConfirmed',
      data: {
        ...base,
        partnerId: after.input.partnerId,
        items: after.input.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
        totalCents,
        currency,
      },
    });
  }
  const appended = after.history.slice(before.history.length);
  // A refund whose lookup found no charge under the key sent nothing: no money moved back.
  const refunded = appended.some(
    (e) =>
      e.type === 'compensation_succeeded' && e.step === 'refund_payment' && !undidNothing(e.answer),
  );
  if (refunded && totalCents !== undefined && currency !== undefined) {
    // An operator may have refunded less than the charge (an edit before a replay).
    const edited = editedInput(after, 'refund_payment')?.['amountCents'];
    events.push({
      ...head('OrderRefunded'),
      type: 'OrderRefunded',
      data: { ...base, amountCents: typeof edited === 'number' ? edited : totalCents, currency },
    });
  }
  const confirmed = after.history.some((e) => e.type === 'completed');
  if (
    entered('compensated') &&
    after.state.status === 'compensated' &&
    after.state.cause === 'cancel' &&
    confirmed
  ) {
    events.push({
      ...head('OrderCancelled'),
      type: 'OrderCancelled',
      data: { ...base, reason: after.state.reason },
    });
  }
  return events;
}
