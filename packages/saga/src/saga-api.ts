import { createHash } from 'node:crypto';
import {
  AppError,
  ErrorCode,
  type RequestContext,
  type Route,
  readJson,
  sendJson,
} from '@edge/common';
import type { ReplayAllAnswer } from '@edge/saga-wire';
import type { z } from 'zod';
import { guarded, parse, query } from './api-handler.js';
import type { Customer } from './edge-identity.js';
import type { PartnerCustomers } from './partner-customers.js';
import { isTerminal, type PlaceOrderInput, type Saga, type SagaStatus } from './saga.js';
import {
  cancelRequest,
  placeOrderRequest,
  replayManyRequest,
  replayRequest,
  resolveRequest,
  waitQuery,
} from './saga-api-schemas.js';
import type { SagaAuth } from './saga-auth.js';
import { SagaConflictError, type SagaEngine, SagaNotFoundError } from './saga-engine.js';
import { searchQuery, searchSagas } from './saga-search.js';
import type { SagaStore } from './saga-store.js';
import { toSagaRef, toSagaView } from './saga-view.js';
import type { SagaWaiters } from './saga-waiters.js';
import type { SagaWorker } from './saga-worker.js';
import { editableStepsOf, prepareStepEdit } from './step-edit.js';

export interface SagaApiOptions {
  engine: SagaEngine;
  store: SagaStore;
  /** Present when this process drives sagas: new work starts at once instead of at the next poll. */
  worker: SagaWorker | undefined;
  /** Told of this process's transitions, so a waiting request answers without polling for them. */
  waiters: SagaWaiters;
  auth: SagaAuth;
  partnerCustomers: PartnerCustomers;
}

/** How often a waiting request reads a saga that another process may be driving. */
const WAIT_POLL_MS = 50;

/**
 * Dead-lettered sagas one `{ all: true }` replay takes, oldest first: a request replays them one
 * after the other, so the answer says how many remain for the next one.
 */
const REPLAY_ALL_BATCH = 1_000;

/**
 * Why an order that was not cancelled cannot be now, as its customer reads it (through a BFF):
 * no saga vocabulary, nothing an operator would do.
 */
const CANCEL_REFUSALS: Partial<Record<SagaStatus, string>> = {
  compensating: 'This order did not go through: it is being undone and any charge refunded',
  compensated: 'This order did not go through: it was undone and any charge refunded',
  dead_lettered: 'This order is with our support team and cannot be cancelled online',
  resolved: 'This order is with our support team and cannot be cancelled online',
};

/** Who acted, for the audit trail of a customer's cancel: the verified identity, never the body. */
function actorOf(customer: Customer): string {
  return customer.surface === 'partner'
    ? `partner ${customer.partnerId}`
    : `user ${customer.userId}`;
}

/**
 * The key a saga is deduplicated on: a digest of the caller's verified identity and its own key,
 * as a JSON array so no two (caller, key) pairs share an input. Two callers who pick the same key
 * never share a saga, and the length stays fixed.
 */
function scopedKey(customer: Customer, key: string): string {
  const who =
    customer.surface === 'partner' ? ['partner', customer.partnerId] : ['user', customer.userId];
  return createHash('sha256')
    .update(JSON.stringify([...who, key]))
    .digest('hex');
}

/** A customer sees and cancels only its own sagas; anything else is "not found", not "forbidden". */
function owns(customer: Customer, saga: Saga): boolean {
  return customer.surface === 'partner'
    ? saga.input.partnerId === customer.partnerId
    : saga.input.userId === customer.userId && saga.input.partnerId === null;
}

/** Whom the order is for: the signed-in user, or the customer a partner names. */
function orderInput(customer: Customer, body: z.output<typeof placeOrderRequest>): PlaceOrderInput {
  const items = body.items;
  if (customer.surface === 'partner') {
    if (!body.customerId)
      throw new AppError(ErrorCode.BAD_REQUEST, 'customerId is required for partner orders');
    return { userId: body.customerId, partnerId: customer.partnerId, items };
  }
  if (body.customerId !== undefined) {
    throw new AppError(
      ErrorCode.BAD_REQUEST,
      'customerId is for partners; a user orders for itself',
    );
  }
  return { userId: customer.userId, partnerId: null, items };
}

/** Whether two orders are the same: for the same customer, the same lines in the same order. */
function sameOrder(a: PlaceOrderInput, b: PlaceOrderInput): boolean {
  const lines = (input: PlaceOrderInput) =>
    JSON.stringify(input.items.map((item) => [item.productId, item.quantity]));
  return a.userId === b.userId && a.partnerId === b.partnerId && lines(a) === lines(b);
}

/** The explicit answer to the attack of issue 13: a body cannot name the user. */
function refuseBodyUser(body: Record<string, unknown>): void {
  if ('userId' in body) {
    throw new AppError(
      ErrorCode.BAD_REQUEST,
      'userId is not accepted: an order is for the identity the edge signed',
      { details: { reason: 'body_user_id' } },
    );
  }
}

function settled(saga: Saga): boolean {
  return isTerminal(saga.state.status) || saga.state.status === 'dead_lettered';
}

/**
 * The orchestrator's routes in two groups, so a deployment can listen for them on two ports and
 * let the network say who reaches which: `orders` for the BFFs (place, cancel, read one's own),
 * `operators` for people (list, read, replay, resolve). Reading one saga is in both.
 */
export interface SagaRoutes {
  orders: Route[];
  operators: Route[];
}

export function createSagaRoutes(options: SagaApiOptions): SagaRoutes {
  const { engine, store, worker, waiters, auth, partnerCustomers } = options;

  const load = async (id: string): Promise<Saga> => {
    const saga = await store.get(id);
    if (!saga) throw new AppError(ErrorCode.NOT_FOUND, `No saga ${id}`);
    return saga;
  };

  /**
   * Wait up to waitMs for the saga to settle, then return whatever it is. Transitions made in
   * this process arrive at once; one made by another worker process is read at the next poll.
   */
  const waitFor = async (saga: Saga, waitMs: number, done = settled): Promise<Saga> => {
    const deadline = Date.now() + waitMs;
    let current = saga;
    while (!done(current) && Date.now() < deadline) {
      const pollMs = Math.min(WAIT_POLL_MS, deadline - Date.now());
      current = (await waiters.next(saga.id, pollMs)) ?? (await store.get(saga.id)) ?? current;
    }
    return current;
  };

  const cancel = async (
    ctx: RequestContext,
    customer: Customer,
    saga: Saga | undefined,
    what: string,
  ) => {
    if (!saga || !owns(customer, saga)) {
      // Also an order placed before sagas, or whose saga passed its retention: nothing to run.
      throw new AppError(ErrorCode.NOT_FOUND, `No cancellable ${what}`);
    }
    const body = parse(cancelRequest, await readJson(ctx.req));
    const { waitMs } = parse(waitQuery, query(ctx));
    const { state } = saga;
    const cancelled =
      (state.status === 'compensating' || state.status === 'compensated') &&
      state.cause === 'cancel';
    if (!cancelled) {
      const refusal = CANCEL_REFUSALS[state.status];
      if (refusal) {
        throw new AppError(ErrorCode.CONFLICT, refusal, {
          details: { reason: 'not_cancellable', status: state.status },
        });
      }
      await engine.cancel(saga.id, {
        idempotencyKey: body.idempotencyKey,
        actor: actorOf(customer),
        reason: body.reason ?? 'cancelled by customer',
        at: new Date().toISOString(),
      });
      worker?.kick(saga.id);
    }
    const after = await waitFor(
      saga,
      waitMs,
      (s) => s.state.status === 'compensated' || s.state.status === 'dead_lettered',
    );
    sendJson(ctx.res, 202, toSagaRef(after));
  };

  const placeOrder: Route = {
    method: 'POST',
    path: '/sagas',
    handler: guarded(async (ctx) => {
      auth.stateChange(ctx);
      const customer = await auth.customer(ctx);
      const raw = await readJson(ctx.req);
      refuseBodyUser(raw);
      const body = parse(placeOrderRequest, raw);
      const { waitMs } = parse(waitQuery, query(ctx));
      const input = orderInput(customer, body);
      if (input.partnerId !== null) {
        await partnerCustomers.assertCustomerOf(input.partnerId, input.userId);
      }
      // A new saga is leased to this process's worker as it is created (one write, no claim).
      const slot = worker?.reserveSlot();
      const { saga, created, claim } = await engine
        .start(scopedKey(customer, body.idempotencyKey), input, {
          traceparent: ctx.traceparent,
          claim: slot !== undefined,
        })
        .catch((err: unknown) => {
          slot?.release();
          throw err;
        });
      if (claim) slot?.adopt(claim);
      else slot?.release();
      if (!created && !owns(customer, saga)) {
        throw new AppError(ErrorCode.CONFLICT, 'idempotencyKey already used');
      }
      // A retry answers the first order; a different order under its key is refused (as
      // payment providers do), so a client that edited the cart learns it was not placed.
      if (!created && !sameOrder(saga.input, input)) {
        throw new AppError(
          ErrorCode.CONFLICT,
          'idempotencyKey was already used for a different order: send a new key for this one',
          { details: { reason: 'idempotency_key_reused', sagaId: saga.id } },
        );
      }
      if (!claim && !settled(saga)) worker?.kick(saga.id);
      const after = await waitFor(saga, waitMs);
      sendJson(ctx.res, created ? 201 : 200, { ...toSagaRef(after), created });
    }),
  };
  const listSagas: Route = {
    method: 'GET',
    path: '/sagas',
    handler: guarded(async (ctx) => {
      await auth.operator(ctx, 'viewer');
      const result = await searchSagas(
        store,
        (s) => engine.isStuck(s),
        parse(searchQuery, query(ctx)),
      );
      const { sagas, items, replayable: _replayable, ...rest } = result;
      sendJson(ctx.res, 200, {
        ...rest,
        items: sagas.map((saga, i) => ({ ...toSagaView(saga), ...items[i] })),
      });
    }),
  };
  const readSaga: Route = {
    method: 'GET',
    path: '/sagas/:id',
    handler: guarded(async (ctx) => {
      const reader = await auth.reader(ctx);
      const saga = await load(ctx.params['id'] ?? '');
      if (reader.kind === 'customer' && !owns(reader.customer, saga)) {
        throw new AppError(ErrorCode.NOT_FOUND, `No saga ${saga.id}`);
      }
      sendJson(ctx.res, 200, toSagaView(saga));
    }),
  };
  const cancelSaga: Route = {
    method: 'POST',
    path: '/sagas/:id/cancel',
    handler: guarded(async (ctx) => {
      auth.stateChange(ctx);
      const customer = await auth.customer(ctx);
      const id = ctx.params['id'] ?? '';
      await cancel(ctx, customer, await store.get(id), `order ${id}`);
    }),
  };
  const cancelOrder: Route = {
    method: 'POST',
    path: '/orders/:orderId/cancel',
    handler: guarded(async (ctx) => {
      auth.stateChange(ctx);
      const customer = await auth.customer(ctx);
      const orderId = ctx.params['orderId'] ?? '';
      await cancel(ctx, customer, await store.getByOrderId(orderId), `order ${orderId}`);
    }),
  };
  const replayMany: Route = {
    method: 'POST',
    path: '/sagas/replay',
    handler: guarded(async (ctx) => {
      auth.stateChange(ctx);
      const { subject } = await auth.operator(ctx, 'operator');
      const body = parse(replayManyRequest, await readJson(ctx.req));
      const ids =
        body.ids ?? (await store.listByStatus('dead_lettered', REPLAY_ALL_BATCH)).map((s) => s.id);
      const replayed: string[] = [];
      const skipped: ReplayAllAnswer['skipped'] = [];
      for (const id of ids) {
        try {
          const saga = await engine.replay(id, subject, body.reason);
          replayed.push(saga.id);
          worker?.kick(saga.id);
        } catch (error) {
          // Not replayable (any more), gone (retention, a mistyped id), or a worker holds it:
          // the rest of the batch still goes, and the answer says why this one did not, so no
          // caller reports it as replayed and none fails a batch already partly replayed.
          if (!(error instanceof SagaConflictError || error instanceof SagaNotFoundError)) {
            throw error;
          }
          skipped.push({ id, reason: error.message });
        }
      }
      const answer: ReplayAllAnswer = {
        replayed,
        skipped,
        remaining: (await store.dlqStats()).depth,
      };
      sendJson(ctx.res, 202, answer);
    }),
  };
  const replayOne: Route = {
    method: 'POST',
    path: '/sagas/:id/replay',
    handler: guarded(async (ctx) => {
      auth.stateChange(ctx);
      const { subject } = await auth.operator(ctx, 'operator');
      const { reason, edit } = parse(replayRequest, await readJson(ctx.req));
      const saga = await engine.replay(
        ctx.params['id'] ?? '',
        subject,
        reason,
        edit && ((held) => prepareStepEdit(held, edit)),
      );
      worker?.kick(saga.id);
      const replayed = saga.history.at(-1);
      const applied = replayed?.type === 'replayed' ? replayed.edit : undefined;
      sendJson(ctx.res, 202, {
        ...toSagaRef(saga),
        ...(applied ? { edit: { step: applied.step, changes: applied.changes } } : {}),
      });
    }),
  };
  const editableOne: Route = {
    method: 'GET',
    path: '/sagas/:id/editable',
    handler: guarded(async (ctx) => {
      await auth.operator(ctx, 'viewer');
      const saga = await load(ctx.params['id'] ?? '');
      sendJson(ctx.res, 200, {
        id: saga.id,
        status: saga.state.status,
        steps: editableStepsOf(saga),
      });
    }),
  };
  const resolveOne: Route = {
    method: 'POST',
    path: '/sagas/:id/resolve',
    handler: guarded(async (ctx) => {
      auth.stateChange(ctx);
      const { subject } = await auth.operator(ctx, 'operator');
      const body = parse(resolveRequest, await readJson(ctx.req));
      const saga = await engine.resolve(
        ctx.params['id'] ?? '',
        subject,
        `${body.reason} (reference ${body.reference})`,
        { keepCharge: body.keepCharge === true },
      );
      const resolved = saga.history.at(-1);
      const keptCents = resolved?.type === 'resolved' ? resolved.keptCents : undefined;
      sendJson(ctx.res, 200, {
        ...toSagaRef(saga),
        ...(keptCents === undefined ? {} : { keptCents }),
      });
    }),
  };

  return {
    orders: [placeOrder, readSaga, cancelSaga, cancelOrder],
    operators: [listSagas, readSaga, editableOne, replayMany, replayOne, resolveOne],
  };
}
