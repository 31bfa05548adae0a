import type { ProviderName } from './provider-client.js';
import type { SagaStatus } from './saga.js';

/** The drift reconciliation looks for between sagas and what providers hold. */
export const DRIFT_KINDS = [
  'charged_without_order',
  'refunded_twice',
  'reservation_leaked',
  'shipment_without_payment',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** A provider call that repairs a finding; its idempotency key makes a repeated fix a no-op. */
export interface DriftFix {
  provider: ProviderName;
  path: string;
  body: Record<string, unknown>;
}

export interface Finding {
  kind: DriftKind;
  orderId: string;
  sagaId?: string;
  /** The provider record at fault: a charge, reservation or shipment id. */
  recordId: string;
  detail: string;
  /** What `--fix` sends, or null when only a human can repair it (money already paid out). */
  fix: DriftFix | null;
}

/** What the providers hold, as their list endpoints return it. */
export interface ProviderRecords {
  charges: Array<{ id: string; orderId: string; amountCents: number }>;
  refunds: Array<{ id: string; chargeId: string; orderId: string; amountCents: number }>;
  reservations: Array<{ id: string; orderId: string; status: string }>;
  shipments: Array<{ id: string; orderId: string; status: string }>;
}

/** What we know of one order: its status at the order service and its saga, if still kept. */
export interface OrderFacts {
  orderStatus: string | undefined;
  saga:
    | {
        id: string;
        status: SagaStatus;
        /** Of the charge, what an operator chose not to refund (an edited, smaller refund). */
        keptCents?: number;
      }
    | undefined;
}

/** Orders that went through: anything else (cancelled, failed, unknown) must hold no money. */
const LIVE_ORDER = new Set(['confirmed', 'shipped', 'delivered']);

/**
 * Someone is still working on the order: a saga in flight will settle it, and a dead-lettered
 * or resolved one is in an operator's hands. A pending order with a saga is too, whatever the
 * saga's status: the order's status was read before the saga, which may have confirmed it in
 * between (the next run sees both settled). A pending order without a saga is not: its saga is
 * written before the order exists, so one lost with a Redis that kept no copy, or expired after
 * its retention, leaves an order nobody will ever settle.
 */
function inHand(facts: OrderFacts): boolean {
  const status = facts.saga?.status;
  return (
    status === 'pending' ||
    status === 'running' ||
    status === 'compensating' ||
    status === 'dead_lettered' ||
    status === 'resolved' ||
    (facts.orderStatus === 'pending' && status !== undefined)
  );
}

/** Every order the providers hold a record of. */
export function ordersOf(records: ProviderRecords): Set<string> {
  return new Set([
    ...records.charges.map((c) => c.orderId),
    ...records.reservations.map((r) => r.orderId),
    ...records.shipments.map((s) => s.orderId),
  ]);
}

/**
 * Compare provider records with orders and sagas. The order service decides whether an order
 * exists (a saga may have expired after its retention while its order lives on); the saga
 * decides whether someone is still at work on it. Every fix undoes an effect for an order that
 * did not go through, so it is safe to send: it moves money back to the customer or stock back
 * to the shelf, never the other way.
 */
export function findDrift(
  records: ProviderRecords,
  factsOf: (orderId: string) => OrderFacts,
): Finding[] {
  const findings: Finding[] = [];
  for (const orderId of ordersOf(records)) {
    const facts = factsOf(orderId);
    if (inHand(facts)) continue;
    const live = facts.orderStatus !== undefined && LIVE_ORDER.has(facts.orderStatus);
    const sagaId = facts.saga?.id;
    const at = (f: Omit<Finding, 'orderId' | 'sagaId'>): Finding => ({
      ...f,
      orderId,
      ...(sagaId ? { sagaId } : {}),
    });
    const charges = records.charges.filter((c) => c.orderId === orderId);
    let netCents = 0;
    for (const charge of charges) {
      const refunds = records.refunds.filter((r) => r.chargeId === charge.id);
      const refunded = refunds.reduce((sum, r) => sum + r.amountCents, 0);
      netCents += charge.amountCents - refunded;
      if (refunds.length > 1) {
        findings.push(
          at({
            kind: 'refunded_twice',
            recordId: charge.id,
            detail: `charge ${charge.id} has ${refunds.length} refunds (${refunds.map((r) => r.id).join(', ')}) totalling ${refunded} of ${charge.amountCents} cents`,
            fix: null,
          }),
        );
      }
      const kept = facts.saga?.keptCents ?? 0;
      if (!live && refunded + kept < charge.amountCents) {
        findings.push(
          at({
            kind: 'charged_without_order',
            recordId: charge.id,
            detail: `charge ${charge.id} keeps ${charge.amountCents - refunded} cents${kept ? ` (${kept} kept by an operator's edit)` : ''} but order ${orderId} is ${facts.orderStatus ?? 'unknown'}`,
            fix: {
              provider: 'payment',
              path: '/refunds',
              // Unnamed, the provider refunds all that is refundable, the kept part included.
              body: {
                idempotencyKey: `reconcile:refund:${charge.id}`,
                chargeId: charge.id,
                ...(kept ? { amountCents: charge.amountCents - refunded - kept } : {}),
              },
            },
          }),
        );
      }
    }
    for (const reservation of records.reservations) {
      if (reservation.orderId !== orderId || live || reservation.status !== 'reserved') continue;
      findings.push(
        at({
          kind: 'reservation_leaked',
          recordId: reservation.id,
          detail: `reservation ${reservation.id} still holds stock but order ${orderId} is ${facts.orderStatus ?? 'unknown'}`,
          fix: {
            provider: 'inventory',
            path: `/reservations/${encodeURIComponent(reservation.id)}/release`,
            body: { idempotencyKey: `reconcile:release:${reservation.id}` },
          },
        }),
      );
    }
    for (const shipment of records.shipments) {
      if (shipment.orderId !== orderId || shipment.status !== 'created' || netCents > 0) continue;
      findings.push(
        at({
          kind: 'shipment_without_payment',
          recordId: shipment.id,
          detail: `shipment ${shipment.id} is active but order ${orderId} holds no payment`,
          // Cancelling the shipment of a live order is a business decision (charge or cancel).
          fix: live
            ? null
            : {
                provider: 'shipping',
                path: `/shipments/${encodeURIComponent(shipment.id)}/cancel`,
                body: { idempotencyKey: `reconcile:cancel:${shipment.id}` },
              },
        }),
      );
    }
  }
  return findings;
}
