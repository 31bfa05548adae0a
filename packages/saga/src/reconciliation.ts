import type { ProviderName } from './provider-client.js';
import type { SagaPhase, SagaStatus } from './saga.js';

/** The drift reconciliation looks for between sagas and what providers hold. */
export const DRIFT_KINDS = [
  'charged_without_order',
  'charged_in_dlq',
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
        /**
         * Of the charge, what an operator chose not to refund: what a resolve acknowledged
         * keeping, else what an edited, smaller refund left.
         */
        keptCents?: number;
        /** `compensating` once the saga began undoing its order; absent: forward. */
        phase?: SagaPhase;
        /** A resolve that checked the charge and recorded what was kept (`keptCents`). */
        resolveChecked?: boolean;
        /** The saga's own charge, the one `keptCents` is of; a second charge keeps nothing. */
        chargeId?: string;
      }
    | undefined;
}

/** Orders that went through: anything else (cancelled, failed, unknown) must hold no money. */
const LIVE_ORDER = new Set(['confirmed', 'shipped', 'delivered']);

const IN_FLIGHT: ReadonlySet<SagaStatus> = new Set(['pending', 'running', 'compensating']);

/** A saga that stopped while undoing its order (its refund dead-lettered, or resolved then). */
function stoppedUndoing(saga: NonNullable<OrderFacts['saga']>): boolean {
  return (
    (saga.status === 'dead_lettered' || saga.status === 'resolved') && saga.phase === 'compensating'
  );
}

/**
 * Someone is still working on the order: a saga in flight will settle it. A pending order with a
 * saga is too, unless that saga stopped while undoing the order (no replay of it goes forward
 * again): the order's status was read before the saga, which may have confirmed it in between
 * (the next run sees both settled). A pending order without a saga is not: its saga is written
 * before the order exists, so one lost with a Redis that kept no copy, or expired after its
 * retention, leaves an order nobody will ever settle. Dead-lettered and resolved sagas are
 * checked: the DLQ holds the very refunds that failed, and a resolve may not have been matched
 * by a refund at the provider.
 */
function inHand(facts: OrderFacts): boolean {
  const { saga } = facts;
  if (saga === undefined) return false;
  if (IN_FLIGHT.has(saga.status)) return true;
  return facts.orderStatus === 'pending' && !stoppedUndoing(saga);
}

/** One charge of an order and what was refunded of it. */
interface ChargeState {
  charge: ProviderRecords['charges'][number];
  refunds: ProviderRecords['refunds'];
  refunded: number;
}

function chargesOf(records: ProviderRecords, orderId: string): ChargeState[] {
  return records.charges
    .filter((charge) => charge.orderId === orderId)
    .map((charge) => {
      const refunds = records.refunds.filter((r) => r.chargeId === charge.id);
      return { charge, refunds, refunded: refunds.reduce((sum, r) => sum + r.amountCents, 0) };
    });
}

type Drift = Omit<Finding, 'orderId' | 'sagaId'>;

function heldFor(state: ChargeState, kept: number, orderId: string, facts: OrderFacts): string {
  const { charge, refunded } = state;
  return `charge ${charge.id} keeps ${charge.amountCents - refunded} cents${kept ? ` (${kept} kept by an operator)` : ''} but order ${orderId} is ${facts.orderStatus ?? 'unknown'}`;
}

function chargedWithoutOrder(
  state: ChargeState,
  kept: number,
  orderId: string,
  facts: OrderFacts,
): Drift {
  const { charge, refunded } = state;
  const saga = facts.saga;
  if (saga?.status === 'resolved' && !saga.resolveChecked) {
    // Resolved in its forward phase, or before resolves checked the charge: the operator may
    // have settled it outside the provider (fulfilled by hand, paid back another way), which
    // nothing here can see. Reported for a human; a refund sent on its own could pay twice.
    return {
      kind: 'charged_without_order',
      recordId: charge.id,
      detail: `${heldFor(state, kept, orderId, facts)} and saga ${saga.id} was resolved without a refund check: refund by hand unless it was settled another way`,
      fix: null,
    };
  }
  const resolved = saga?.status === 'resolved' ? ` and saga ${saga.id} was resolved` : '';
  return {
    kind: 'charged_without_order',
    recordId: charge.id,
    detail: `${heldFor(state, kept, orderId, facts)}${resolved}`,
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
  };
}

/**
 * Never fixed here: the refund is the dead-lettered saga's own, which a replay sends (after
 * looking the charge up, so never twice), and the DLQ alert pages for it already.
 */
function chargedInDlq(state: ChargeState, kept: number, orderId: string, facts: OrderFacts): Drift {
  return {
    kind: 'charged_in_dlq',
    recordId: state.charge.id,
    detail: `${heldFor(state, kept, orderId, facts)} and saga ${facts.saga?.id} is dead-lettered: replay it to refund, or resolve it once refunded by hand`,
    fix: null,
  };
}

/** Stock still reserved for an order that did not go through; releasing it is always safe. */
function leakedReservations(
  records: ProviderRecords,
  orderId: string,
  live: boolean,
  facts: OrderFacts,
): Drift[] {
  if (live) return [];
  return records.reservations
    .filter((r) => r.orderId === orderId && r.status === 'reserved')
    .map((reservation) => ({
      kind: 'reservation_leaked',
      recordId: reservation.id,
      detail: `reservation ${reservation.id} still holds stock but order ${orderId} is ${facts.orderStatus ?? 'unknown'}`,
      fix: {
        provider: 'inventory',
        path: `/reservations/${encodeURIComponent(reservation.id)}/release`,
        body: { idempotencyKey: `reconcile:release:${reservation.id}` },
      },
    }));
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
    const at = (f: Drift): Finding => ({ ...f, orderId, ...(sagaId ? { sagaId } : {}) });
    // What an operator kept is of the saga's own charge: another charge of the order (a
    // duplicate under another key, the drift this looks for) must not hide behind it.
    const keptOf = (state: ChargeState) =>
      facts.saga?.chargeId === undefined || facts.saga.chargeId === state.charge.id
        ? (facts.saga?.keptCents ?? 0)
        : 0;
    const charges = chargesOf(records, orderId);
    const status = facts.saga?.status;
    // In an operator's hands: only the money is checked, and for a resolved saga the stock too
    // (nothing will release it: a resolve ends the saga). The rest of a dead-lettered saga's undo
    // is its replay's.
    if (status === 'dead_lettered' || status === 'resolved') {
      const held = live ? [] : charges.filter((c) => c.refunded + keptOf(c) < c.charge.amountCents);
      const drift = status === 'dead_lettered' ? chargedInDlq : chargedWithoutOrder;
      for (const state of held) findings.push(at(drift(state, keptOf(state), orderId, facts)));
      if (status === 'resolved') {
        for (const leak of leakedReservations(records, orderId, live, facts))
          findings.push(at(leak));
      }
      continue;
    }
    let netCents = 0;
    for (const state of charges) {
      const { charge, refunds, refunded } = state;
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
      if (!live && refunded + keptOf(state) < charge.amountCents) {
        findings.push(at(chargedWithoutOrder(state, keptOf(state), orderId, facts)));
      }
    }
    for (const leak of leakedReservations(records, orderId, live, facts)) findings.push(at(leak));
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
