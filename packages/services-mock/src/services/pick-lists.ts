import { sendJson, z } from '@edge/common';
import { IdempotencyStore } from '../idempotency.js';
import { idempotentPost } from '../idempotent-post.js';
import type { MockService } from '../mock-service.js';
import type { PickList } from '../types.js';
import { found, idempotencyKey, itemQuantities } from '../validation.js';

const createBody = z.object({
  idempotencyKey,
  orderId: z.string().min(1).max(100),
  items: itemQuantities,
});
const cancelBody = z.object({ idempotencyKey });

/**
 * The warehouse's pick lists (served on the inventory port), one per order: the fulfilment
 * consumer creates one per confirmed order and cancels it when the order is cancelled. A second
 * create for the same order answers the existing list, so an event delivered twice (with any
 * key) still leaves one list; `GET /__pick-lists` shows them all for tests and demos.
 */
export function createPickLists(): Pick<MockService, 'routes' | 'reset'> {
  const idempotency = new IdempotencyStore();
  const byOrder = new Map<string, PickList>();
  let nextNumber = 1;

  const find = (orderId: string): PickList => found(byOrder, 'Pick list', orderId);

  return {
    reset: () => {
      idempotency.reset();
      byOrder.clear();
      nextNumber = 1;
    },
    routes: [
      idempotentPost(idempotency, { path: '/pick-lists', body: createBody }, (body) => {
        const existing = byOrder.get(body.orderId);
        if (existing) return { status: 200, body: existing };
        const list: PickList = {
          id: `pl-${nextNumber++}`,
          orderId: body.orderId,
          lines: [...body.items].sort((a, b) => a.productId.localeCompare(b.productId)),
          status: 'open',
          createdAt: new Date().toISOString(),
        };
        byOrder.set(list.orderId, list);
        return { status: 201, body: list };
      }),
      idempotentPost(
        idempotency,
        {
          path: '/pick-lists/:orderId/cancel',
          body: cancelBody,
          target: { param: 'orderId', find: find },
        },
        (_body, orderId) => {
          find(orderId).status = 'cancelled';
          return { status: 200, body: find(orderId) };
        },
      ),
      {
        method: 'GET',
        path: '/__pick-lists',
        handler: (ctx) => sendJson(ctx.res, 200, { items: [...byOrder.values()] }),
      },
    ],
  };
}
