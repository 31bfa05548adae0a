import { z } from 'zod';
import type { CallOutcome, CallPriority, ProviderClient, ProviderRequest } from './provider-client';
import {
  assertNever,
  type CompensationCause,
  type CompensationStep,
  type ForwardStep,
  idempotencyKeyFor,
  type Saga,
  type SagaContext,
} from './saga';

/** The compensation that undoes each forward step; confirm_order is the last step and needs none. */
export const COMPENSATION_OF: Readonly<Record<ForwardStep, CompensationStep | null>> = {
  create_order: 'close_order',
  reserve_inventory: 'release_inventory',
  charge_payment: 'refund_payment',
  create_shipment: 'cancel_shipment',
  confirm_order: null,
};

/** The forward step whose effect each compensation undoes. */
export const FORWARD_OF: Readonly<Record<CompensationStep, ForwardStep>> = {
  close_order: 'create_order',
  release_inventory: 'reserve_inventory',
  refund_payment: 'charge_payment',
  cancel_shipment: 'create_shipment',
};

const idBody = z.object({ id: z.string() });
const orderBody = z.object({ id: z.string(), totalCents: z.number().int(), currency: z.string() });
const conflictBody = z.object({
  error: z.object({ reason: z.string().optional() }).loose(),
});
const chargeBody = z
  .object({
    amountCents: z.number().optional(),
    refundedCents: z.number().optional(),
    amountRefundedCents: z.number().optional(),
    status: z.string().optional(),
    refunds: z.array(z.unknown()).optional(),
  })
  .loose();

function missing(what: string): never {
  throw new Error(`order saga invariant: ${what} is not known yet`);
}

/** The request of a forward step. The same saga always produces the same body for a step. */
export function forwardRequest(
  step: ForwardStep,
  saga: Saga,
  timeoutMs: number,
  priority: CallPriority = 'forward',
): ProviderRequest {
  const idempotencyKey = idempotencyKeyFor(saga.id, step);
  const { context, input } = saga;
  switch (step) {
    case 'create_order':
      return {
        provider: 'order',
        method: 'POST',
        path: '/orders',
        body: {
          idempotencyKey,
          userId: input.userId,
          ...(input.partnerId ? { partnerId: input.partnerId } : {}),
          items: input.items,
        },
        timeoutMs,
        priority,
      };
    case 'reserve_inventory':
      return {
        provider: 'inventory',
        method: 'POST',
        path: '/reservations',
        body: {
          idempotencyKey,
          orderId: context.orderId ?? missing('orderId'),
          items: input.items,
        },
        timeoutMs,
        priority,
      };
    case 'charge_payment':
      return {
        provider: 'payment',
        method: 'POST',
        path: '/charges',
        body: {
          idempotencyKey,
          orderId: context.orderId ?? missing('orderId'),
          amountCents: context.totalCents ?? missing('totalCents'),
          currency: context.currency ?? missing('currency'),
        },
        timeoutMs,
        priority,
      };
    case 'create_shipment':
      return {
        provider: 'shipping',
        method: 'POST',
        path: '/shipments',
        body: { idempotencyKey, orderId: context.orderId ?? missing('orderId') },
        timeoutMs,
        priority,
      };
    case 'confirm_order':
      return orderStatusRequest(saga, 'confirmed', idempotencyKey, timeoutMs, priority);
    default:
      return assertNever(step);
  }
}

function orderStatusRequest(
  saga: Saga,
  status: 'confirmed' | 'cancelled' | 'failed',
  idempotencyKey: string,
  timeoutMs: number,
  priority: CallPriority,
): ProviderRequest {
  const orderId = saga.context.orderId ?? missing('orderId');
  return {
    provider: 'order',
    method: 'POST',
    path: `/orders/${encodeURIComponent(orderId)}/status`,
    body: { idempotencyKey, status },
    timeoutMs,
    priority,
  };
}

/** What a successful forward answer teaches the saga; undefined when the body is not usable. */
export function applyForward(
  step: ForwardStep,
  context: SagaContext,
  body: unknown,
): SagaContext | undefined {
  switch (step) {
    case 'create_order': {
      const order = orderBody.safeParse(body);
      if (!order.success) return undefined;
      const { id, totalCents, currency } = order.data;
      return { ...context, orderId: id, totalCents, currency };
    }
    case 'reserve_inventory':
    case 'charge_payment':
    case 'create_shipment': {
      const parsed = idBody.safeParse(body);
      if (!parsed.success) return undefined;
      const field = RESOURCE_FIELD[step];
      return { ...context, [field]: parsed.data.id };
    }
    case 'confirm_order':
      return context;
    default:
      return assertNever(step);
  }
}

const RESOURCE_FIELD = {
  reserve_inventory: 'reservationId',
  charge_payment: 'chargeId',
  create_shipment: 'shipmentId',
} as const;

function resourceOf(step: ForwardStep, context: SagaContext): string | undefined {
  switch (step) {
    case 'create_order':
      return context.orderId;
    case 'reserve_inventory':
      return context.reservationId;
    case 'charge_payment':
      return context.chargeId;
    case 'create_shipment':
      return context.shipmentId;
    case 'confirm_order':
      return undefined;
    default:
      return assertNever(step);
  }
}

export interface CompensationResult {
  outcome: CallOutcome;
  context: SagaContext;
}

export interface CompensationOptions {
  cause: CompensationCause;
  timeoutMs: number;
  /** Ask the payment provider whether the charge is already refunded before refunding. */
  checkLedger: boolean;
}

/**
 * Undo one forward step. When the forward call's outcome was never learnt (timeout, crash), the
 * forward request is re-sent with its original key first: the provider's idempotency turns that
 * into a lookup, and a definite 4xx proves there is nothing to undo.
 */
export async function runCompensation(
  step: CompensationStep,
  saga: Saga,
  client: ProviderClient,
  options: CompensationOptions,
): Promise<CompensationResult> {
  const forward = FORWARD_OF[step];
  let context = saga.context;
  let resource = resourceOf(forward, context);
  if (resource === undefined) {
    const probe = await client.call(
      forwardRequest(forward, saga, options.timeoutMs, 'compensation'),
    );
    if (probe.kind === 'rejected') {
      return {
        outcome: {
          kind: 'ok',
          answer: {
            status: probe.answer.status,
            body: { nothingToUndo: true, probe: probe.answer.body },
          },
        },
        context,
      };
    }
    if (probe.kind === 'retryable' || probe.kind === 'not_sent') return { outcome: probe, context };
    const learnt = applyForward(forward, context, probe.answer.body);
    resource = learnt ? resourceOf(forward, learnt) : undefined;
    if (!learnt || resource === undefined) {
      return {
        outcome: {
          kind: 'retryable',
          answer: { error: `unusable ${forward} answer` },
          maybeApplied: true,
        },
        context,
      };
    }
    context = learnt;
  }
  const withContext: Saga = { ...saga, context };
  const idempotencyKey = idempotencyKeyFor(saga.id, step);
  switch (step) {
    case 'cancel_shipment':
      return {
        outcome: await client.call({
          provider: 'shipping',
          method: 'POST',
          path: `/shipments/${encodeURIComponent(resource)}/cancel`,
          body: { idempotencyKey },
          timeoutMs: options.timeoutMs,
          priority: 'compensation',
        }),
        context,
      };
    case 'refund_payment':
      return { outcome: await refund(resource, idempotencyKey, client, options), context };
    case 'release_inventory':
      return {
        outcome: await client.call({
          provider: 'inventory',
          method: 'POST',
          path: `/reservations/${encodeURIComponent(resource)}/release`,
          body: { idempotencyKey },
          timeoutMs: options.timeoutMs,
          priority: 'compensation',
        }),
        context,
      };
    case 'close_order':
      return {
        outcome: await client.call(
          orderStatusRequest(
            withContext,
            options.cause === 'cancel' ? 'cancelled' : 'failed',
            idempotencyKey,
            options.timeoutMs,
            'compensation',
          ),
        ),
        context,
      };
    default:
      return assertNever(step);
  }
}

async function refund(
  chargeId: string,
  idempotencyKey: string,
  client: ProviderClient,
  options: CompensationOptions,
): Promise<CallOutcome> {
  if (options.checkLedger) {
    // Providers forget idempotency keys after about a day: a replayed old refund must not
    // become a second refund, so ask the charge itself first.
    const charge = await client.call({
      provider: 'payment',
      method: 'GET',
      path: `/charges/${encodeURIComponent(chargeId)}`,
      timeoutMs: options.timeoutMs,
      priority: 'compensation',
    });
    if (charge.kind === 'retryable' || charge.kind === 'not_sent') return charge;
    if (charge.kind === 'ok' && isRefunded(charge.answer.body)) {
      return {
        kind: 'ok',
        answer: {
          status: charge.answer.status,
          body: { ledgerCheck: 'already_refunded', charge: charge.answer.body },
        },
      };
    }
  }
  const outcome = await client.call({
    provider: 'payment',
    method: 'POST',
    path: '/refunds',
    body: { idempotencyKey, chargeId },
    timeoutMs: options.timeoutMs,
    priority: 'compensation',
  });
  // Refunded under another key (an earlier replay, an operator): the money is back, we are done.
  if (outcome.kind === 'rejected' && outcome.answer.status === 409) {
    const conflict = conflictBody.safeParse(outcome.answer.body);
    if (conflict.success && conflict.data.error.reason === 'already_refunded') {
      return { kind: 'ok', answer: outcome.answer };
    }
  }
  return outcome;
}

function isRefunded(body: unknown): boolean {
  const charge = chargeBody.safeParse(body);
  if (!charge.success) return false;
  const { amountCents, refundedCents, amountRefundedCents, status, refunds } = charge.data;
  const refunded = refundedCents ?? amountRefundedCents;
  if (status === 'refunded') return true;
  if (amountCents !== undefined && refunded !== undefined) return refunded >= amountCents;
  return refunds !== undefined && refunds.length > 0;
}
