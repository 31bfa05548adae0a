import { AppError, ErrorCode, INTERNAL_TOKEN_HEADER, isAppError } from '@edge/common';
import { SagaClientError, type SagaRef, type SagaStatus } from '@edge/saga';
import type { Order } from '@edge/upstream';
import { type BffContext, requireUser } from './context';
import { loadOrNull } from './resolver-helpers';

/** The order mutations' SDL; every BFF schema includes it, so all surfaces answer the same way. */
export const ORDER_MUTATIONS_SCHEMA = new URL('./order-mutations.graphql', import.meta.url);

/** Limits checked at the BFF, so a bad request never reaches the orchestrator. */
export const ORDER_LIMITS = Object.freeze({ maxLines: 50, maxQuantity: 1000, maxKeyLength: 200 });

const STATUS: Record<SagaStatus, OrderSagaStatus> = {
  pending: 'PENDING',
  running: 'RUNNING',
  compensating: 'COMPENSATING',
  completed: 'COMPLETED',
  compensated: 'COMPENSATED',
  dead_lettered: 'DEAD_LETTERED',
  resolved: 'RESOLVED',
};
type OrderSagaStatus =
  | 'PENDING'
  | 'RUNNING'
  | 'COMPENSATING'
  | 'COMPLETED'
  | 'COMPENSATED'
  | 'DEAD_LETTERED'
  | 'RESOLVED';

interface PlaceOrderArgs {
  input: {
    idempotencyKey: string;
    items: readonly { productId: string; quantity: number }[];
    customerId?: string | null | undefined;
  };
}

/**
 * Whose orders these are. Client idempotency keys are scoped by it, so two callers who happen
 * to pick the same key never share a saga, and status reads can check ownership.
 */
function ownerOf(ctx: BffContext): { scope: string; owns(order: Order): boolean } {
  const { identity } = ctx;
  switch (identity.surface) {
    case 'web':
    case 'mobile':
      return { scope: `user:${identity.userId}`, owns: (o) => o.userId === identity.userId };
    case 'partner':
      return {
        scope: `partner:${identity.partnerId}`,
        owns: (o) => o.partnerId === identity.partnerId,
      };
    case 'internal':
      throw new AppError(ErrorCode.FORBIDDEN, 'Order operations need a user or partner');
  }
}

const badInput = (message: string) => new AppError(ErrorCode.BAD_USER_INPUT, message);

function checkKey(key: string): void {
  if (key.length === 0 || key.length > ORDER_LIMITS.maxKeyLength) {
    throw badInput(`idempotencyKey must be 1 to ${ORDER_LIMITS.maxKeyLength} characters`);
  }
}

function checkLines(items: PlaceOrderArgs['input']['items']): void {
  if (items.length === 0 || items.length > ORDER_LIMITS.maxLines) {
    throw badInput(`an order has 1 to ${ORDER_LIMITS.maxLines} lines`);
  }
  for (const { quantity } of items) {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > ORDER_LIMITS.maxQuantity) {
      throw badInput(`quantity must be 1 to ${ORDER_LIMITS.maxQuantity}`);
    }
  }
}

/** The orchestrator's answers mapped to the codes clients see, once, here. */
async function orchestrator<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isAppError(err)) throw err;
    if (err instanceof SagaClientError) {
      if (err.status === 400) throw badInput(err.message);
      if (err.status === 404) throw new AppError(ErrorCode.NOT_FOUND, err.message);
      if (err.status === 409) throw new AppError(ErrorCode.CONFLICT, err.message);
    }
    throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The order service is unavailable', {
      details: { service: 'saga' },
      cause: err,
    });
  }
}

/** A partner names the customer; a user orders for itself (the saga takes it from the token). */
function customerOf(ctx: BffContext, input: PlaceOrderArgs['input']): { customerId?: string } {
  if (ctx.identity.surface !== 'partner') {
    requireUser(ctx);
    return {};
  }
  if (!input.customerId) throw badInput('customerId is required for partner orders');
  return { customerId: input.customerId };
}

/** Saga calls carry the edge-signed identity besides the request id and trace context. */
function sagaHeaders(ctx: BffContext): Record<string, string> {
  return { ...ctx.call.headers, [INTERNAL_TOKEN_HEADER]: ctx.identityToken };
}

/**
 * placeOrder, cancelOrder and orderStatus, shared by every BFF's resolver map. Mutations wait
 * up to `ctx.orders.waitMs` for the saga to finish, then answer its current status.
 */
export const orderMutationResolvers = {
  Query: {
    orderStatus: async (_: unknown, args: { id: string }, ctx: BffContext) => {
      ownerOf(ctx);
      try {
        // The orchestrator answers 404 for a saga that is not the caller's.
        return await ctx.orders.saga.get(args.id, sagaHeaders(ctx));
      } catch (err) {
        if (err instanceof SagaClientError && err.status === 404) return null;
        return orchestrator(() => Promise.reject(err));
      }
    },
  },
  Mutation: {
    placeOrder: async (_: unknown, { input }: PlaceOrderArgs, ctx: BffContext) => {
      ownerOf(ctx);
      checkKey(input.idempotencyKey);
      checkLines(input.items);
      const { orders } = ctx;
      // The orchestrator scopes the key by the caller's identity, so two callers who pick the
      // same key never share a saga.
      return orchestrator(() =>
        orders.saga.placeOrder(
          {
            idempotencyKey: input.idempotencyKey,
            ...customerOf(ctx, input),
            items: input.items.map(({ productId, quantity }) => ({ productId, quantity })),
          },
          orders.waitMs,
          sagaHeaders(ctx),
        ),
      );
    },
    cancelOrder: async (
      _: unknown,
      args: { id: string; idempotencyKey: string },
      ctx: BffContext,
    ) => {
      const owner = ownerOf(ctx);
      checkKey(args.idempotencyKey);
      const order = await loadOrNull(ctx.loaders.order, args.id);
      if (!order || !owner.owns(order)) throw new AppError(ErrorCode.NOT_FOUND, 'No such order');
      return orchestrator(() =>
        ctx.orders.saga.cancelOrder(
          args.id,
          { idempotencyKey: `${owner.scope}:${args.idempotencyKey}` },
          ctx.orders.waitMs,
          sagaHeaders(ctx),
        ),
      );
    },
  },
  OrderSaga: {
    status: (ref: SagaRef) => STATUS[ref.status],
  },
};
