import { sendJson, z } from '@edge/common';
import { IdempotencyStore } from '../idempotency.js';
import { idempotentPost } from '../idempotent-post.js';
import { lookupRoute } from '../lookup-route.js';
import type { MockService } from '../mock-service.js';
import type { Shipment } from '../types.js';
import { found, idempotencyKey } from '../validation.js';

const createBody = z.object({ idempotencyKey, orderId: z.string().min(1).max(100) });
const cancelBody = z.object({ idempotencyKey });

export function createShippingService(): MockService {
  const idempotency = new IdempotencyStore();
  const shipments = new Map<string, Shipment>();
  let nextNumber = 1;

  const findShipment = (id: string): Shipment => found(shipments, 'Shipment', id);

  return {
    name: 'shipping',
    reset: () => {
      idempotency.reset();
      shipments.clear();
      nextNumber = 1;
    },
    routes: [
      idempotentPost(idempotency, { path: '/shipments', body: createBody }, (body) => {
        const number = nextNumber++;
        const shipment: Shipment = {
          id: `s-${number}`,
          orderId: body.orderId,
          label: `LBL-${String(number).padStart(8, '0')}`,
          status: 'created',
        };
        shipments.set(shipment.id, shipment);
        return { status: 201, body: shipment };
      }),
      idempotentPost(
        idempotency,
        {
          path: '/shipments/:id/cancel',
          body: cancelBody,
          target: { param: 'id', find: findShipment },
        },
        (_body, id) => {
          // Cancelling twice is a no-op, like releasing a reservation twice.
          findShipment(id).status = 'cancelled';
          return { status: 200, body: { id, status: 'cancelled' } };
        },
      ),
      lookupRoute('/shipments', 'shipment', idempotency, (id) => shipments.get(id)),
      {
        method: 'GET',
        path: '/shipments/:id',
        handler: (ctx) => sendJson(ctx.res, 200, findShipment(ctx.params['id'] ?? '')),
      },
      {
        // Every shipment with its status, for reconciliation.
        method: 'GET',
        path: '/__shipments',
        handler: (ctx) => sendJson(ctx.res, 200, { shipments: [...shipments.values()] }),
      },
    ],
  };
}
