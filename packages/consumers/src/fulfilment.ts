import type { EventHandler } from './consumer-runtime.js';
import { callProvider } from './provider-call.js';

export interface FulfilmentOptions {
  /** The warehouse (services-mock inventory) base URL. */
  inventoryUrl: string;
}

/**
 * Fulfilment: one pick list per confirmed order at the warehouse, cancelled when the order is.
 * The event id is the idempotency key, so a redelivery creates nothing twice.
 */
export function fulfilmentHandler(options: FulfilmentOptions): EventHandler {
  return async (event, signal) => {
    switch (event.type) {
      case 'OrderConfirmed':
        await callProvider(`${options.inventoryUrl}/pick-lists`, {
          method: 'POST',
          body: { idempotencyKey: event.id, orderId: event.data.orderId, items: event.data.items },
          signal,
        });
        return;
      case 'OrderCancelled':
        await callProvider(
          `${options.inventoryUrl}/pick-lists/${encodeURIComponent(event.data.orderId)}/cancel`,
          { method: 'POST', body: { idempotencyKey: event.id }, signal },
        );
        return;
      case 'OrderRefunded':
      case 'OrderFlagged':
        return;
    }
  };
}
