import { SERVICE_NAMES, type ServiceName } from '@edge/common';
import type { Order as WireOrder, Product as WireProduct } from '@edge/upstream';

export type { OrderItem, User } from '@edge/upstream';

/** The seven mocked services, one port each (the names live with the ports table in common). */
export type MockServiceName = ServiceName;

export const MOCK_SERVICE_NAMES: readonly MockServiceName[] = SERVICE_NAMES;

/** Every amount in this mock is in this currency. */
export const CURRENCY = 'USD';

/**
 * The product as this service holds it: the wire shape every client reads (upstream's `domain.ts`
 * owns it), plus the version its commands lock on.
 */
export interface Product extends WireProduct {
  /** Starts at 1 and grows by one with every change; commands name it for optimistic locking. */
  version: number;
}

export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'shipped',
  'delivered',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** The order as this service holds it: the wire shape, with its status from the closed set. */
export interface Order extends WireOrder {
  status: OrderStatus;
}

export interface ItemQuantity {
  productId: string;
  quantity: number;
}

export interface Reservation {
  id: string;
  orderId: string;
  status: 'reserved' | 'released';
  items: ItemQuantity[];
}

export interface Charge {
  id: string;
  orderId: string;
  amountCents: number;
  currency: string;
  status: 'succeeded';
}

export interface Refund {
  id: string;
  chargeId: string;
  orderId: string;
  amountCents: number;
  status: 'succeeded';
  note?: string;
}

export interface Shipment {
  id: string;
  orderId: string;
  label: string;
  status: 'created' | 'cancelled';
}

/** What `GET /__ledger` on the payment port answers. */
export interface Ledger {
  orders: Record<
    string,
    {
      charges: { id: string; idempotencyKey: string; amountCents: number }[];
      refunds: {
        id: string;
        chargeId: string;
        idempotencyKey: string;
        amountCents: number;
        note?: string;
      }[];
    }
  >;
  totals: { chargedCents: number; refundedCents: number };
}

export const FAULT_MODES = [
  'latency',
  'error',
  '429',
  'down',
  'in_progress',
  'applied_late',
  'rate_limit',
] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** A fault as posted to `POST /__faults`. */
export interface FaultSpec {
  /** Route key as in `/__calls`, e.g. `POST /refunds`; absent = every route of the port. */
  route?: string;
  mode: FaultMode;
  /**
   * `latency`: delay before serving normally. `applied_late`: the call is served (its effect
   * happens) at once but answered only this long after. Default 1000.
   */
  latencyMs?: number;
  /** `error` only: HTTP status to answer; default 503. */
  status?: number;
  /** `429` only: value of `Retry-After` in seconds; default 1. */
  retryAfterS?: number;
  /**
   * `rate_limit` only: the provider's published limit in calls per second, enforced as a token
   * bucket holding one second of calls; a call without a token answers 429 with the whole
   * seconds until the next one in `Retry-After`. Default 100.
   */
  ratePerSec?: number;
  /** Affect exactly the next N matching calls. */
  calls?: number;
  /** Stop affecting calls this long after the fault was added. */
  durationMs?: number;
}

/** The warehouse's list of what to pick for one order (`POST /pick-lists` on the inventory port). */
export interface PickList {
  id: string;
  orderId: string;
  lines: ItemQuantity[];
  status: 'open' | 'cancelled';
  createdAt: string;
}

/** One email the notification service accepted, as `GET /__outbox` lists it. */
export interface Email {
  id: string;
  idempotencyKey: string;
  to: string;
  template: 'order_confirmed' | 'order_cancelled';
  orderId: string;
  /** Template fields (totals, the event's `occurredAt`). */
  fields: Record<string, string | number>;
  /** When the provider accepted it. */
  sentAt: string;
}
