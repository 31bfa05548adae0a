import {
  AppError,
  ErrorCode,
  INTERNAL_TOKEN_HEADER,
  isAppError,
  MAX_ORDER_TOTAL_CENTS,
} from '@edge/common';
import { SagaClientError, type SagaRef, type SagaStatus } from '@edge/saga-client';
import { type BffContext, requireUser } from './context.js';
import { orderOwnerOf, ownerScopedKey, ownsOrder, ownsSaga } from './order-owner.js';
import { loadOrNull } from './resolver-helpers.js';

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

/**
 * Money fields are GraphQL `Int` (32-bit): an order whose total cannot be one would be placed,
 * then break every list holding it with a serialization error. Priced from the catalogue the order
 * service prices from, to refuse early with a clear message; a product it cannot read is left to
 * the order service, which refuses such a total itself.
 */
async function checkTotal(ctx: BffContext, items: PlaceOrderArgs['input']['items']) {
  const products = await ctx.loaders.product.loadMany(items.map((item) => item.productId));
  let total = 0;
  items.forEach((item, i) => {
    const product = products[i];
    if (product && !(product instanceof Error)) total += product.priceCents * item.quantity;
  });
  if (total > MAX_ORDER_TOTAL_CENTS) {
    throw badInput(`an order's total must not exceed ${MAX_ORDER_TOTAL_CENTS} cents`);
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
      if (err.status === 409) {
        // The reason lets a client tell a reused key from an order that cannot be cancelled.
        throw new AppError(ErrorCode.CONFLICT, err.message, {
          ...(err.reason ? { details: { reason: err.reason } } : {}),
        });
      }
    }
    throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The order service is unavailable', {
      details: { service: 'saga' },
      cause: err,
    });
  }
}

/**
 * Whom the order is for, as the orchestrator expects it: nothing for a user (the saga takes the
 * user from the edge-signed identity), or one of the calling partner's own registered customers.
 * A platform user or another partner's customer gets the same answer as an unknown id, so a
 * partner cannot probe who exists.
 */
async function customerOf(
  ctx: BffContext,
  input: PlaceOrderArgs['input'],
): Promise<{ customerId?: string }> {
  const { identity } = ctx;
  if (identity.surface !== 'partner') {
    requireUser(ctx);
    // A user orders for themselves: a customerId ignored would charge them for what they
    // meant to order for someone else.
    if (input.customerId != null) throw badInput('customerId is for partner orders');
    return {};
  }
  if (!input.customerId) throw badInput('customerId is required for partner orders');
  const customer = await loadOrNull(ctx.loaders.user, input.customerId);
  if (customer?.partnerId !== identity.partnerId) {
    throw badInput('customerId is not one of your customers');
  }
  return { customerId: customer.id };
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
      const owner = orderOwnerOf(ctx.identity);
      try {
        // The orchestrator answers 404 for a saga that is not the caller's; the exact check
        // here stays as a second line.
        const view = await ctx.orders.saga.get(args.id, sagaHeaders(ctx));
        return ownsSaga(owner, view) ? view : null;
      } catch (err) {
        if (err instanceof SagaClientError && err.status === 404) return null;
        return orchestrator(() => Promise.reject(err));
      }
    },
  },
  Mutation: {
    placeOrder: async (_: unknown, { input }: PlaceOrderArgs, ctx: BffContext) => {
      orderOwnerOf(ctx.identity);
      checkKey(input.idempotencyKey);
      checkLines(input.items);
      await checkTotal(ctx, input.items);
      const customer = await customerOf(ctx, input);
      const { orders } = ctx;
      // The orchestrator scopes the key by the verified identity, so two callers who pick the
      // same key never share a saga.
      return orchestrator(() =>
        orders.saga.placeOrder(
          {
            idempotencyKey: input.idempotencyKey,
            ...customer,
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
      const owner = orderOwnerOf(ctx.identity);
      checkKey(args.idempotencyKey);
      const order = await loadOrNull(ctx.loaders.order, args.id);
      if (!order || !ownsOrder(owner, order)) {
        throw new AppError(ErrorCode.NOT_FOUND, 'No such order');
      }
      return orchestrator(() =>
        ctx.orders.saga.cancelOrder(
          args.id,
          { idempotencyKey: ownerScopedKey(owner, args.idempotencyKey) },
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
