/** Version of every event's `data` shape; a consumer refuses (dead-letters) versions it does not know. */
export const ORDER_EVENT_VERSION = 1;

export interface OrderItem {
  productId: string;
  quantity: number;
}

/** Published once a saga completes: the order is placed, paid and shipping is booked. */
export interface OrderConfirmedData {
  sagaId: string;
  orderId: string;
  userId: string;
  partnerId: string | null;
  items: OrderItem[];
  totalCents: number;
  currency: string;
}

/** Published once a confirmed order was cancelled and its compensations finished. */
export interface OrderCancelledData {
  sagaId: string;
  orderId: string;
  userId: string;
  reason: string;
}

/** Published when a charge of the order was refunded (cancel or failure after the charge). */
export interface OrderRefundedData {
  sagaId: string;
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
}

/** Published by fraud scoring for an order over one of its thresholds. */
export interface OrderFlaggedData {
  orderId: string;
  userId: string;
  totalCents: number;
  /** Which thresholds the order crossed, e.g. `total_over_50000`. */
  reasons: string[];
  /** The OrderConfirmed event that was scored. */
  sourceEventId: string;
}

interface Envelope<T extends string, D> {
  /**
   * Stable per fact (e.g. `<sagaId>:OrderConfirmed`), so a repeated publish is recognised by the
   * consumers' dedupe records as the same event.
   */
  id: string;
  type: T;
  version: number;
  /** ISO time the fact happened (the saga transition), not the time it was read. */
  occurredAt: string;
  data: D;
}

export type OrderConfirmed = Envelope<'OrderConfirmed', OrderConfirmedData>;
export type OrderCancelled = Envelope<'OrderCancelled', OrderCancelledData>;
export type OrderRefunded = Envelope<'OrderRefunded', OrderRefundedData>;
export type OrderFlagged = Envelope<'OrderFlagged', OrderFlaggedData>;

export type OrderEvent = OrderConfirmed | OrderCancelled | OrderRefunded | OrderFlagged;
export type OrderEventType = OrderEvent['type'];

export const ORDER_EVENT_TYPES: readonly OrderEventType[] = Object.freeze([
  'OrderConfirmed',
  'OrderCancelled',
  'OrderRefunded',
  'OrderFlagged',
]);

/** The id of the one event of `type` a subject (a saga, or a scored event) can produce. */
export function orderEventId(subject: string, type: OrderEventType): string {
  return `${subject}:${type}`;
}
