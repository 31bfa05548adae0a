import { sendJson, z } from '@edge/common';
import { IdempotencyStore, sendStored } from '../idempotency.js';
import type { MockService } from '../mock-service.js';
import type { Email } from '../types.js';
import { idempotencyKey, readBody } from '../validation.js';

const sendBody = z
  .object({
    idempotencyKey,
    to: z.email().max(200),
    template: z.enum(['order_confirmed', 'order_cancelled']),
    orderId: z.string().min(1).max(100),
  })
  .catchall(z.union([z.string().max(200), z.number()]));

/**
 * An email provider: `POST /emails` "sends" (records) one email per idempotency key, and
 * `GET /__outbox` lists what was sent, oldest first, each with the time it was accepted, so a
 * test can count emails per order and a benchmark can time them.
 */
export function createNotificationService(): MockService {
  const idempotency = new IdempotencyStore();
  const outbox: Email[] = [];

  return {
    name: 'notification',
    reset: () => {
      idempotency.reset();
      outbox.length = 0;
    },
    routes: [
      {
        method: 'POST',
        path: '/emails',
        handler: async (ctx) => {
          const { raw, body } = await readBody(ctx, sendBody);
          const stored = idempotency.execute('POST /emails', body.idempotencyKey, raw, () => {
            const { idempotencyKey: key, to, template, orderId, ...fields } = body;
            const email: Email = {
              id: `em-${outbox.length + 1}`,
              idempotencyKey: key,
              to,
              template,
              orderId,
              fields,
              sentAt: new Date().toISOString(),
            };
            outbox.push(email);
            return { status: 202, body: email };
          });
          sendStored(ctx.res, stored);
        },
      },
      {
        method: 'GET',
        path: '/__outbox',
        handler: (ctx) => sendJson(ctx.res, 200, { items: outbox }),
      },
    ],
  };
}
