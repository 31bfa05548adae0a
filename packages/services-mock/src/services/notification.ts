import { sendJson, z } from '@edge/common';
import { IdempotencyStore } from '../idempotency.js';
import { idempotentPost } from '../idempotent-post.js';
import type { MockService } from '../mock-service.js';
import type { Email } from '../types.js';
import { idempotencyKey } from '../validation.js';

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
      idempotentPost(idempotency, { path: '/emails', body: sendBody }, (body) => {
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
      }),
      {
        method: 'GET',
        path: '/__outbox',
        handler: (ctx) => sendJson(ctx.res, 200, { items: outbox }),
      },
    ],
  };
}
