import { z } from 'zod';
import { type EditableInput, editedInput } from './editable-input.js';
import type {
  CallOutcome,
  CallPriority,
  ProviderClient,
  ProviderName,
  ProviderRequest,
} from './provider-client.js';
import { REFUND_EDIT } from './refund-edit.js';
import {
  type CompensationCause,
  type CompensationStep,
  FORWARD_STEPS,
  type ForwardStep,
  idempotencyKeyFor,
  isForwardStep,
  type ProviderAnswer,
  type Saga,
  type SagaContext,
  type StepName,
} from './saga.js';

/** A request as a step describes it; the runner adds timeout, priority and abort signal. */
export type StepCall = Omit<ProviderRequest, 'timeoutMs' | 'priority' | 'signal'>;

/** How a forward step's effect is undone. */
interface Undo {
  step: CompensationStep;
  /**
   * The undo request for the resource the forward step created, under the undo's own key, with
   * what an operator's edit set (an edit keeps the key: the provider never undoes twice).
   */
  request(resource: string, key: string, cause: CompensationCause, saga: Saga): StepCall;
  /** What an operator may change in the request before replaying a dead-lettered undo. */
  editable?: EditableInput;
  /** A refusal that means "already undone" (refunded under another key): the job is done. */
  alreadyDone?(outcome: CallOutcome): boolean;
}

/** Lookup by the forward step's idempotency key: did its request take effect? */
interface Verify {
  request(key: string): StepCall;
  /** The resource in a lookup's answer; undefined when nothing was created under the key. */
  found(body: unknown): unknown;
  /**
   * True when the resource found is already undone (refunded, released, cancelled), in full or
   * by this saga's own undo (`undoKey`, its idempotency key).
   */
  undone(resource: unknown, undoKey: string): boolean;
}

/** One step of the place-order saga: everything the engine needs to run, verify and undo it. */
export interface StepDefinition {
  provider: ProviderName;
  /** The forward request under the step's key; the same saga always sends the same body. */
  request(saga: Saga, key: string): StepCall;
  /** What a success teaches the saga; undefined when the answer is not usable. */
  learn(context: SagaContext, body: unknown): SagaContext | undefined;
  /** The id of what the step created, once known. */
  resource(context: SagaContext): string | undefined;
  verify: Verify | null;
  undo: Undo | null;
  /** Past this step the saga only goes forward: later steps must finish, never compensate. */
  pivot: boolean;
}

const idBody = z.object({ id: z.string() });
const orderBody = z.object({ id: z.string(), totalCents: z.number().int(), currency: z.string() });
const orderList = z.object({ items: z.array(z.unknown()) });
const statusBody = z.object({ status: z.string() }).loose();
const chargeBody = z
  .object({
    amountCents: z.number(),
    refundedCents: z.number(),
    refunds: z.array(z.object({ idempotencyKey: z.string().optional() }).loose()).optional(),
  })
  .loose();
const refusalBody = z.object({ error: z.object({ reason: z.string().optional() }).loose() });

/** What a charge the lookup found still holds (charged less refunded); undefined if unusable. */
export function heldCents(charge: unknown): number | undefined {
  const parsed = chargeBody.safeParse(charge);
  return parsed.success ? parsed.data.amountCents - parsed.data.refundedCents : undefined;
}

function missing(what: string): never {
  throw new Error(`order saga invariant: ${what} is not known yet`);
}

function hasStatus(resource: unknown, statuses: readonly string[]): boolean {
  const parsed = statusBody.safeParse(resource);
  return parsed.success && statuses.includes(parsed.data.status);
}

/** The reason a provider gave for a refusal with `status`, if it gave one. */
function refusalReason(outcome: CallOutcome, status: number): string | undefined {
  if (outcome.kind !== 'rejected' || outcome.answer.status !== status) return undefined;
  const refusal = refusalBody.safeParse(outcome.answer.body);
  return refusal.success ? refusal.data.error.reason : undefined;
}

/** The reason a provider gave for a 409 (`already_refunded`, `request_in_progress`, ...). */
export function conflictReason(outcome: CallOutcome): string | undefined {
  return refusalReason(outcome, 409);
}

/**
 * A lookup's "nothing was created under this key" (docs/services-mock.md). Any other 404 (a
 * proxy's, a wrong route's) proves nothing about the forward effect.
 */
export function nothingUnderKey(outcome: CallOutcome): boolean {
  return refusalReason(outcome, 404) === 'nothing_under_key';
}

const byKey = (path: string) => (key: string) => ({
  method: 'GET' as const,
  path: `${path}?idempotencyKey=${encodeURIComponent(key)}`,
});

function learnId(field: 'reservationId' | 'chargeId' | 'shipmentId') {
  return (context: SagaContext, body: unknown): SagaContext | undefined => {
    const parsed = idBody.safeParse(body);
    return parsed.success ? { ...context, [field]: parsed.data.id } : undefined;
  };
}

function orderStatus(saga: Saga, status: 'confirmed', key: string): StepCall {
  const orderId = saga.context.orderId ?? missing('orderId');
  return {
    provider: 'order',
    method: 'POST',
    path: `/orders/${encodeURIComponent(orderId)}/status`,
    body: { idempotencyKey: key, status },
  };
}

/** The place-order saga, one definition per step, in execution order. */
export const ORDER_STEPS: Readonly<Record<ForwardStep, StepDefinition>> = {
  create_order: {
    provider: 'order',
    request: (saga, key) => ({
      provider: 'order',
      method: 'POST',
      path: '/orders',
      body: {
        idempotencyKey: key,
        userId: saga.input.userId,
        ...(saga.input.partnerId ? { partnerId: saga.input.partnerId } : {}),
        items: saga.input.items,
      },
    }),
    learn: (context, body) => {
      const order = orderBody.safeParse(body);
      if (!order.success) return undefined;
      const { id, totalCents, currency } = order.data;
      return { ...context, orderId: id, totalCents, currency };
    },
    resource: (context) => context.orderId,
    verify: {
      request: (key) => ({ provider: 'order', ...byKey('/orders')(key) }),
      found: (body) => {
        const list = orderList.safeParse(body);
        return list.success ? list.data.items[0] : undefined;
      },
      undone: (order) => hasStatus(order, ['cancelled', 'failed']),
    },
    undo: {
      step: 'close_order',
      request: (orderId, key, cause) => ({
        provider: 'order',
        method: 'POST',
        path: `/orders/${encodeURIComponent(orderId)}/status`,
        body: { idempotencyKey: key, status: cause === 'cancel' ? 'cancelled' : 'failed' },
      }),
    },
    pivot: false,
  },
  reserve_inventory: {
    provider: 'inventory',
    request: (saga, key) => ({
      provider: 'inventory',
      method: 'POST',
      path: '/reservations',
      body: {
        idempotencyKey: key,
        orderId: saga.context.orderId ?? missing('orderId'),
        items: saga.input.items,
      },
    }),
    learn: learnId('reservationId'),
    resource: (context) => context.reservationId,
    verify: {
      request: (key) => ({ provider: 'inventory', ...byKey('/reservations')(key) }),
      found: (body) => body,
      undone: (reservation) => hasStatus(reservation, ['released']),
    },
    undo: {
      step: 'release_inventory',
      request: (reservationId, key) => ({
        provider: 'inventory',
        method: 'POST',
        path: `/reservations/${encodeURIComponent(reservationId)}/release`,
        body: { idempotencyKey: key },
      }),
    },
    pivot: false,
  },
  charge_payment: {
    provider: 'payment',
    request: (saga, key) => ({
      provider: 'payment',
      method: 'POST',
      path: '/charges',
      body: {
        idempotencyKey: key,
        orderId: saga.context.orderId ?? missing('orderId'),
        amountCents: saga.context.totalCents ?? missing('totalCents'),
        currency: saga.context.currency ?? missing('currency'),
      },
    }),
    learn: learnId('chargeId'),
    resource: (context) => context.chargeId,
    verify: {
      request: (key) => ({ provider: 'payment', ...byKey('/charges')(key) }),
      found: (body) => body,
      // An edited refund leaves the charge partly refunded: only its own key says it was made
      // (after the provider forgot that key, re-sending it would refund the amount again).
      undone: (charge, refundKey) => {
        const parsed = chargeBody.safeParse(charge);
        if (!parsed.success) return false;
        const { amountCents, refundedCents, refunds = [] } = parsed.data;
        return refundedCents >= amountCents || refunds.some((r) => r.idempotencyKey === refundKey);
      },
    },
    undo: {
      step: 'refund_payment',
      request: (chargeId, key, _cause, saga) => ({
        provider: 'payment',
        method: 'POST',
        path: '/refunds',
        body: { idempotencyKey: key, chargeId, ...editedInput(saga, 'refund_payment') },
      }),
      editable: REFUND_EDIT,
      // Refunded under another key (an earlier replay, an operator): the money is back.
      alreadyDone: (outcome) => conflictReason(outcome) === 'already_refunded',
    },
    pivot: false,
  },
  create_shipment: {
    provider: 'shipping',
    request: (saga, key) => ({
      provider: 'shipping',
      method: 'POST',
      path: '/shipments',
      body: { idempotencyKey: key, orderId: saga.context.orderId ?? missing('orderId') },
    }),
    learn: learnId('shipmentId'),
    resource: (context) => context.shipmentId,
    verify: {
      request: (key) => ({ provider: 'shipping', ...byKey('/shipments')(key) }),
      found: (body) => body,
      undone: (shipment) => hasStatus(shipment, ['cancelled']),
    },
    undo: {
      step: 'cancel_shipment',
      request: (shipmentId, key) => ({
        provider: 'shipping',
        method: 'POST',
        path: `/shipments/${encodeURIComponent(shipmentId)}/cancel`,
        body: { idempotencyKey: key },
      }),
    },
    // Shipped: from here on the order is finished, not undone.
    pivot: true,
  },
  confirm_order: {
    provider: 'order',
    request: (saga, key) => orderStatus(saga, 'confirmed', key),
    learn: (context) => context,
    resource: () => undefined,
    // Confirming is idempotent and after the pivot: it is re-sent, never verified or undone.
    verify: null,
    undo: null,
    pivot: false,
  },
};

/** The compensation of each forward step that has one. */
export const COMPENSATION_OF: Readonly<Record<ForwardStep, CompensationStep | null>> =
  Object.fromEntries(
    FORWARD_STEPS.map((step) => [step, ORDER_STEPS[step].undo?.step ?? null]),
  ) as Record<ForwardStep, CompensationStep | null>;

/** The forward step whose effect each compensation undoes. */
export const FORWARD_OF: Readonly<Record<CompensationStep, ForwardStep>> = Object.fromEntries(
  FORWARD_STEPS.flatMap((step) => {
    const undo = ORDER_STEPS[step].undo;
    return undo ? [[undo.step, step]] : [];
  }),
) as Record<CompensationStep, ForwardStep>;

/**
 * The editable input of a step, when an operator may change its request. Only undos have one:
 * forward steps before the pivot compensate instead of dead-lettering, and the one after it
 * (confirm_order) sends nothing but a status.
 */
export function editableInputOf(step: StepName): EditableInput | undefined {
  return isForwardStep(step) ? undefined : ORDER_STEPS[FORWARD_OF[step]].undo?.editable;
}

const PIVOT_INDEX = FORWARD_STEPS.findIndex((step) => ORDER_STEPS[step].pivot);

/** True for steps after the pivot and for compensations: they finish, they are never undone. */
export function mustFinish(step: StepName): boolean {
  if (!isForwardStep(step)) return true;
  return PIVOT_INDEX >= 0 && FORWARD_STEPS.indexOf(step) > PIVOT_INDEX;
}

/** What one run of a step needs. */
export interface StepRunInput {
  saga: Saga;
  step: StepName;
  cause: CompensationCause | null;
  /** Look the forward effect up by its key before undoing, even when its id is known. */
  verifyFirst: boolean;
  client: ProviderClient;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface StepRunResult {
  outcome: CallOutcome;
  context: SagaContext;
}

function unusable(what: string): CallOutcome {
  return { kind: 'retryable', answer: { error: `unusable ${what} answer` }, maybeApplied: true };
}

/** What an undo answers when its lookup found no forward effect: nothing was sent. */
const NOTHING_TO_UNDO = 'nothing_to_undo';

/** True for the answer of an undo that found nothing to undo (no refund, release or close made). */
export function undidNothing(answer: ProviderAnswer): boolean {
  const body = 'body' in answer ? answer.body : undefined;
  return (body as { verified?: unknown } | undefined)?.verified === NOTHING_TO_UNDO;
}

function settled(status: number, body: unknown): CallOutcome {
  return { kind: 'ok', answer: { status, body } };
}

/**
 * Run one step: a forward step sends its request; a compensation verifies the forward effect by
 * its idempotency key when its id is unknown (or a replay asks), and undoes only what exists. A
 * compensation never re-sends a forward request.
 */
export async function runStep(input: StepRunInput): Promise<StepRunResult> {
  const { saga, step } = input;
  const priority: CallPriority = isForwardStep(step) ? 'forward' : 'compensation';
  const send = (call: StepCall) =>
    input.client.call({
      ...call,
      timeoutMs: input.timeoutMs,
      priority,
      ...(input.signal ? { signal: input.signal } : {}),
    });
  if (isForwardStep(step)) {
    const definition = ORDER_STEPS[step];
    const outcome = await send(definition.request(saga, idempotencyKeyFor(saga.id, step)));
    if (outcome.kind !== 'ok') return { outcome, context: saga.context };
    const context = definition.learn(saga.context, outcome.answer.body);
    return context ? { outcome, context } : { outcome: unusable(step), context: saga.context };
  }
  const forward = FORWARD_OF[step];
  const definition = ORDER_STEPS[forward];
  const undo = definition.undo ?? missing(`the undo of ${forward}`);
  let context = saga.context;
  let resource = definition.resource(context);
  if (definition.verify && (resource === undefined || input.verifyFirst)) {
    const lookup = await send(definition.verify.request(idempotencyKeyFor(saga.id, forward)));
    if (nothingUnderKey(lookup)) {
      return { outcome: settled(200, { verified: NOTHING_TO_UNDO }), context };
    }
    if (lookup.kind === 'rejected') return { outcome: unusable(`${forward} lookup`), context };
    if (lookup.kind !== 'ok') return { outcome: lookup, context };
    const found = definition.verify.found(lookup.answer.body);
    if (found === undefined) {
      return { outcome: settled(200, { verified: NOTHING_TO_UNDO }), context };
    }
    const learnt = definition.learn(context, found);
    if (!learnt) return { outcome: unusable(`${forward} lookup`), context };
    context = learnt;
    resource = definition.resource(context);
    if (definition.verify.undone(found, idempotencyKeyFor(saga.id, step))) {
      return { outcome: settled(200, { verified: 'already_undone', resource: found }), context };
    }
  }
  if (resource === undefined) return { outcome: unusable(`${forward} lookup`), context };
  const outcome = await send(
    undo.request(resource, idempotencyKeyFor(saga.id, step), input.cause ?? 'failure', saga),
  );
  if (undo.alreadyDone?.(outcome) && outcome.kind === 'rejected') {
    return { outcome: settled(outcome.answer.status, outcome.answer.body), context };
  }
  return { outcome, context };
}
