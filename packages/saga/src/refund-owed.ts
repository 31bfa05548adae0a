import { editedInput } from './editable-input.js';
import { heldCents, nothingUnderKey, ORDER_STEPS } from './order-saga.js';
import type { CallOutcome, ProviderClient } from './provider-client.js';
import { idempotencyKeyFor, type Saga } from './saga.js';
import { compensationsOwed } from './saga-decision.js';

/**
 * The charge lookup of a resolve waits this long: an operator waits for the answer, and the
 * CLI's request deadline is 5 s.
 */
export const RESOLVE_LOOKUP_TIMEOUT_MS = 2_000;

/** The refund a saga undoing its order has not made yet, as its record tells. */
export interface RefundOwed {
  /** What the refund would send: the charge, or the amount an operator's edit set. */
  cents: number;
  currency: string | null;
}

/** What the payment provider holds of a saga's charge, asked as its refund verifies it. */
export type ChargeHeld =
  | { kind: 'settled' }
  | { kind: 'held'; cents: number }
  | { kind: 'unknown'; detail: string };

/** Why a resolve was refused: it would leave a customer's money with the provider unsaid. */
export class ResolveRefusedError extends Error {
  constructor(
    readonly reason: 'refund_outstanding' | 'refund_unverified',
    message: string,
    /** Cents the provider holds (refund_outstanding) or may hold (refund_unverified). */
    readonly heldCents: number,
  ) {
    super(message);
    this.name = 'ResolveRefusedError';
  }
}

function refundDone(saga: Saga): boolean {
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (event && 'step' in event && event.step === 'refund_payment') {
      return event.type === 'compensation_succeeded';
    }
  }
  return false;
}

/**
 * The refund a saga still owes: it is undoing its order (compensating, or dead-lettered while
 * compensating), its charge may have been made, and its refund has not succeeded. A saga that
 * stopped going forward owes none: its charge is the order's.
 */
export function refundOwed(saga: Saga): RefundOwed | undefined {
  const { state } = saga;
  const undoing =
    state.status === 'compensating' ||
    (state.status === 'dead_lettered' && state.phase === 'compensating');
  if (!undoing || !compensationsOwed(saga).includes('refund_payment') || refundDone(saga)) {
    return undefined;
  }
  const edited = editedInput(saga, 'refund_payment')?.['amountCents'];
  const cents = typeof edited === 'number' ? edited : saga.context.totalCents;
  return cents === undefined ? undefined : { cents, currency: saga.context.currency ?? null };
}

function describe(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case 'not_sent':
      return `not sent (${outcome.reason})`;
    case 'ok':
    case 'rejected':
      return `payment answered ${outcome.answer.status}`;
    case 'retryable':
      return 'status' in outcome.answer
        ? `payment answered ${outcome.answer.status}`
        : `no answer (${outcome.answer.error})`;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

/**
 * Look the saga's charge up by its key with the lookup the refund itself verifies with: settled
 * when nothing was charged, the charge is refunded in full, or the saga's own refund was made.
 */
export async function chargeHeld(saga: Saga, providers: ProviderClient): Promise<ChargeHeld> {
  const { verify } = ORDER_STEPS.charge_payment;
  if (!verify) return { kind: 'unknown', detail: 'charge_payment has no lookup' };
  const outcome = await providers.call({
    ...verify.request(idempotencyKeyFor(saga.id, 'charge_payment')),
    timeoutMs: RESOLVE_LOOKUP_TIMEOUT_MS,
    priority: 'compensation',
  });
  if (nothingUnderKey(outcome)) return { kind: 'settled' };
  if (outcome.kind !== 'ok') return { kind: 'unknown', detail: describe(outcome) };
  const charge = verify.found(outcome.answer.body);
  if (charge === undefined || verify.undone(charge, idempotencyKeyFor(saga.id, 'refund_payment'))) {
    return { kind: 'settled' };
  }
  const cents = heldCents(charge);
  return cents === undefined
    ? { kind: 'unknown', detail: 'unusable charge lookup answer' }
    : { kind: 'held', cents };
}

const HOW =
  'replay the saga to refund them, or resolve it with keepCharge (cli: --keep-charge) if they are kept on purpose';

/**
 * What a resolve of a saga owing a refund records as kept, or why it is refused: money the
 * provider holds is kept only when the operator says so (`keepCharge`). Kept: what the provider
 * holds; nothing when it holds nothing (the check ran: 0 is recorded). When the lookup could not
 * answer, a resolve with `keepCharge` records nothing (undefined): no amount was read, so none
 * is claimed, and reconciliation reports the charge for a human if it is still held.
 */
export function keptOnResolve(
  saga: Saga,
  held: ChargeHeld,
  keepCharge: boolean,
): number | undefined {
  switch (held.kind) {
    case 'settled':
      return 0;
    case 'held':
      if (keepCharge) return held.cents;
      throw new ResolveRefusedError(
        'refund_outstanding',
        `saga ${saga.id} still owes a refund: the payment provider holds ${held.cents} cents of its charge; ${HOW}`,
        held.cents,
      );
    case 'unknown': {
      const cents = saga.context.totalCents ?? 0;
      if (keepCharge) return undefined;
      throw new ResolveRefusedError(
        'refund_unverified',
        `saga ${saga.id} may still owe a refund of up to ${cents} cents: the charge lookup failed (${held.detail}); try again once the payment provider answers, or replay the saga (it looks the charge up before refunding). Resolving with keepCharge now records nothing as kept, and reconciliation reports the charge for a human while it is held`,
        cents,
      );
    }
    default: {
      const never: never = held;
      return never;
    }
  }
}
