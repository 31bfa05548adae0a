import type { EventHandler } from './consumer-runtime.js';
import { HandlerFailure } from './handler-failure.js';
import { callProvider } from './provider-call.js';

export interface CustomerNotificationOptions {
  /** The user service, for the customer's address. */
  userUrl: string;
  /** The email provider (services-mock notification, whose outbox is `GET /__outbox`). */
  notificationUrl: string;
}

/**
 * Customer notification: one confirmation email per confirmed order, one cancellation email per
 * cancelled one. The event id is the provider's idempotency key, so the outbox holds each email
 * once however often the event is delivered.
 */
export function customerNotificationHandler(options: CustomerNotificationOptions): EventHandler {
  const send = async (
    userId: string,
    body: { idempotencyKey: string; template: string; orderId: string; [k: string]: unknown },
    signal: AbortSignal,
  ) => {
    const user = (await callProvider(`${options.userUrl}/users/${encodeURIComponent(userId)}`, {
      method: 'GET',
      signal,
    })) as { email?: unknown };
    if (typeof user.email !== 'string') {
      throw new HandlerFailure(`user ${userId} has no email address`, 'definite');
    }
    await callProvider(`${options.notificationUrl}/emails`, {
      method: 'POST',
      body: { ...body, to: user.email },
      signal,
    });
  };
  return async (event, signal) => {
    switch (event.type) {
      case 'OrderConfirmed':
        await send(
          event.data.userId,
          {
            idempotencyKey: event.id,
            template: 'order_confirmed',
            orderId: event.data.orderId,
            totalCents: event.data.totalCents,
            currency: event.data.currency,
            // When the saga completed, so the outbox can tell how long the email took.
            occurredAt: event.occurredAt,
          },
          signal,
        );
        return;
      case 'OrderCancelled':
        await send(
          event.data.userId,
          { idempotencyKey: event.id, template: 'order_cancelled', orderId: event.data.orderId },
          signal,
        );
        return;
      case 'OrderRefunded':
      case 'OrderFlagged':
        return;
    }
  };
}
