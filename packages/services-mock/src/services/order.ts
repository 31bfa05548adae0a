import { AppError, ErrorCode, MAX_ORDER_TOTAL_CENTS, sendJson, z } from '@edge/common';
import type { Catalog } from '../catalog.js';
import { IdempotencyStore } from '../idempotency.js';
import { idempotentPost } from '../idempotent-post.js';
import type { MockService } from '../mock-service.js';
import { paginate } from '../pagination.js';
import { CURRENCY, ORDER_STATUSES, type Order, type OrderItem } from '../types.js';
import {
  found,
  idempotencyKey,
  idList,
  itemQuantities,
  notFound,
  pageSize,
  readBody,
  readQuery,
} from '../validation.js';

const listQuery = z.object({
  ids: idList.optional(),
  idempotencyKey: idempotencyKey.optional(),
  userId: z.string().min(1).optional(),
  partnerId: z.string().min(1).optional(),
  first: pageSize,
  after: z.string().min(1).optional(),
});

const createBody = z.object({
  idempotencyKey,
  userId: z.string().min(1).max(100),
  partnerId: z.string().min(1).max(100).nullish(),
  items: itemQuantities,
});

const statusBody = z.object({ status: z.enum(ORDER_STATUSES) });

export function createOrderService(catalog: Catalog): MockService {
  const idempotency = new IdempotencyStore();

  const findOrder = (id: string): Order => found(catalog.orders, 'Order', id);

  return {
    name: 'order',
    reset: () => idempotency.reset(),
    routes: [
      {
        method: 'GET',
        path: '/orders/:id',
        handler: (ctx) => sendJson(ctx.res, 200, findOrder(ctx.params['id'] ?? '')),
      },
      {
        method: 'GET',
        path: '/orders',
        handler: (ctx) => {
          const query = readQuery(ctx, listQuery);
          if (query.idempotencyKey !== undefined) {
            // Verify, never redo: the order created under this key, if any.
            const id = idempotency.createdId('POST /orders', query.idempotencyKey);
            const order = id === undefined ? undefined : catalog.orders.get(id);
            sendJson(ctx.res, 200, { items: order ? [order] : [] });
            return;
          }
          if (query.ids !== undefined) {
            const items = query.ids.flatMap((id) => catalog.orders.get(id) ?? []);
            sendJson(ctx.res, 200, { items });
            return;
          }
          let list: readonly Order[];
          if (query.partnerId !== undefined) {
            const partnerOrders = catalog.ordersByPartner.get(query.partnerId) ?? [];
            const { userId } = query;
            list =
              userId === undefined
                ? partnerOrders
                : partnerOrders.filter((o) => o.userId === userId);
          } else if (query.userId !== undefined) {
            list = catalog.ordersByUser.get(query.userId) ?? [];
          } else {
            throw new AppError(
              ErrorCode.BAD_REQUEST,
              'One of ids, idempotencyKey, userId or partnerId is required',
            );
          }
          sendJson(ctx.res, 200, paginate(list, query.first, query.after));
        },
      },
      idempotentPost(idempotency, { path: '/orders', body: createBody }, (body) => {
        if (!catalog.users.has(body.userId)) throw notFound('User', body.userId);
        const items: OrderItem[] = body.items.map(({ productId, quantity }) => {
          const product = found(catalog.products, 'Product', productId);
          return { productId, quantity, unitPriceCents: product.priceCents };
        });
        const totalCents = items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
        // As a payment-facing service would: an amount its clients cannot represent (GraphQL's
        // Int, most ledgers' 32-bit cents) is refused, not stored to break every later read.
        if (totalCents > MAX_ORDER_TOTAL_CENTS) {
          throw new AppError(
            ErrorCode.BAD_REQUEST,
            `An order's total must not exceed ${MAX_ORDER_TOTAL_CENTS} cents`,
            { details: { reason: 'total_too_large' } },
          );
        }
        const now = new Date().toISOString();
        const order: Order = {
          id: catalog.newOrderId(),
          userId: body.userId,
          partnerId: body.partnerId ?? null,
          status: 'pending',
          items,
          totalCents,
          currency: CURRENCY,
          createdAt: now,
          updatedAt: now,
        };
        catalog.addOrder(order);
        return { status: 201, body: order };
      }),
      {
        method: 'POST',
        path: '/orders/:id/status',
        handler: async (ctx) => {
          const order = findOrder(ctx.params['id'] ?? '');
          const { body } = await readBody(ctx, statusBody);
          // Setting the status it already has is a no-op, which makes retries safe without a key.
          if (order.status !== body.status) {
            order.status = body.status;
            order.updatedAt = new Date().toISOString();
          }
          sendJson(ctx.res, 200, order);
        },
      },
    ],
  };
}
