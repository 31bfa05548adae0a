import { AppError, ErrorCode, sendJson, z } from '@edge/common';
import type { Catalog } from '../catalog.js';
import { IdempotencyStore } from '../idempotency.js';
import { idempotentPost } from '../idempotent-post.js';
import { lookupRoute } from '../lookup-route.js';
import type { MockService } from '../mock-service.js';
import type { ItemQuantity, Product, Reservation } from '../types.js';
import { found, idempotencyKey, itemQuantities } from '../validation.js';
import { createPickLists } from './pick-lists.js';

const reserveBody = z.object({
  idempotencyKey,
  orderId: z.string().min(1).max(100),
  items: itemQuantities,
});

const releaseBody = z.object({ idempotencyKey });

/** Sum quantities per product, so a list naming one product twice is checked against stock once. */
function mergeItems(items: readonly ItemQuantity[]): ItemQuantity[] {
  const totals = new Map<string, number>();
  for (const { productId, quantity } of items) {
    totals.set(productId, (totals.get(productId) ?? 0) + quantity);
  }
  return [...totals].map(([productId, quantity]) => ({ productId, quantity }));
}

export function createInventoryService(catalog: Catalog): MockService {
  const idempotency = new IdempotencyStore();
  const reservations = new Map<string, Reservation>();
  let nextNumber = 1;
  const pickLists = createPickLists();

  const findReservation = (id: string): Reservation => found(reservations, 'Reservation', id);

  return {
    name: 'inventory',
    reset: () => {
      idempotency.reset();
      reservations.clear();
      nextNumber = 1;
      pickLists.reset();
    },
    routes: [
      ...pickLists.routes,
      idempotentPost(idempotency, { path: '/reservations', body: reserveBody }, (body) => {
        const items = mergeItems(body.items);
        const lines = items.map((item): [ItemQuantity, Product] => {
          const product = found(catalog.products, 'Product', item.productId);
          return [item, product];
        });
        // Check every line before touching stock: a reservation is all or nothing.
        for (const [item, product] of lines) {
          if (product.stock < item.quantity) {
            throw new AppError(ErrorCode.CONFLICT, `Not enough stock for ${product.id}`, {
              details: {
                reason: 'out_of_stock',
                productId: product.id,
                requested: item.quantity,
                available: product.stock,
              },
            });
          }
        }
        const reservationId = `r-${nextNumber++}`;
        const cause = {
          actor: 'inventory',
          reason: `reservation ${reservationId} for ${body.orderId}`,
        };
        for (const [item, product] of lines) {
          // The stock event is published in the background: a reservation answers from the
          // write model, and a lost event is logged by the publisher.
          void catalog.changeProduct(product, 'product_stock_changed', cause, (p) => {
            p.stock -= item.quantity;
          });
        }
        const reservation: Reservation = {
          id: reservationId,
          orderId: body.orderId,
          status: 'reserved',
          items,
        };
        reservations.set(reservation.id, reservation);
        return { status: 201, body: reservation };
      }),
      idempotentPost(
        idempotency,
        {
          path: '/reservations/:id/release',
          body: releaseBody,
          target: { param: 'id', find: findReservation },
        },
        (_body, id) => {
          const reservation = findReservation(id);
          // Stock comes back once: a second release, whatever its key, changes nothing.
          if (reservation.status === 'reserved') {
            const cause = { actor: 'inventory', reason: `release of reservation ${id}` };
            for (const item of reservation.items) {
              const product = catalog.products.get(item.productId);
              if (product) {
                void catalog.changeProduct(product, 'product_stock_changed', cause, (p) => {
                  p.stock += item.quantity;
                });
              }
            }
            reservation.status = 'released';
          }
          return { status: 200, body: { id, status: reservation.status } };
        },
      ),
      lookupRoute('/reservations', 'reservation', idempotency, (id) => reservations.get(id)),
      {
        method: 'GET',
        path: '/reservations/:id',
        handler: (ctx) => sendJson(ctx.res, 200, findReservation(ctx.params['id'] ?? '')),
      },
      {
        // Every reservation with its status, for reconciliation (a leaked one is still reserved).
        method: 'GET',
        path: '/__reservations',
        handler: (ctx) => sendJson(ctx.res, 200, { reservations: [...reservations.values()] }),
      },
    ],
  };
}
