import { sendJson, z } from '@edge/common';
import { IdempotencyStore, sendStored } from '../idempotency.js';
import type { MockService } from '../mock-service.js';
import type { PickList } from '../types.js';
import { idempotencyKey, itemQuantities, notFound, readBody } from '../validation.js';

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

  const find = (orderId: string): PickList => {
    const list = byOrder.get(orderId);
    if (!list) throw notFound('Pick list', orderId);
    return list;
  };

  return {
    reset: () => {
      idempotency.reset();
      byOrder.clear();
      nextNumber = 1;
    },
    routes: [
      {
        method: 'POST',
        path: '/pick-lists',
        handler: async (ctx) => {
          const { raw, body } = await readBody(ctx, createBody);
          const stored = idempotency.execute('POST /pick-lists', body.idempotencyKey, raw, () => {
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
          });
          sendStored(ctx.res, stored);
        },
      },
      {
        method: 'POST',
        path: '/pick-lists/:orderId/cancel',
        handler: async (ctx) => {
          const orderId = ctx.params['orderId'] ?? '';
          find(orderId);
          const { raw, body } = await readBody(ctx, cancelBody);
          const stored = idempotency.execute(
            'POST /pick-lists/:orderId/cancel',
            body.idempotencyKey,
            { orderId, ...raw },
            () => {
              find(orderId).status = 'cancelled';
              return { status: 200, body: find(orderId) };
            },
          );
          sendStored(ctx.res, stored);
        },
      },
      {
        method: 'GET',
        path: '/__pick-lists',
        handler: (ctx) => sendJson(ctx.res, 200, { items: [...byOrder.values()] }),
      },
    ],
  };
}
