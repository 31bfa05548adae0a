import type { EventHandler } from './consumer-runtime.js';
import { HandlerFailure } from './handler-failure.js';
import { callProvider } from './provider-call.js';

export interface FulfilmentOptions {
  /** The warehouse (services-mock inventory) base URL. */
  inventoryUrl: string;
}

/**
 * Cancel the order's pick list. `OrderCancelled` is only published for a confirmed order, so a
 * 404 means its `OrderConfirmed` has not created the list yet (a peer still holds it, it is
 * being retried, or it waits for a replay): not yet, not a refusal. Retried within the horizon,
 * a cancel that arrives first still ends with a cancelled list.
 */
async function cancelPickList(
  inventoryUrl: string,
  orderId: string,
  idempotencyKey: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    await callProvider(`${inventoryUrl}/pick-lists/${encodeURIComponent(orderId)}/cancel`, {
      method: 'POST',
      body: { idempotencyKey },
      signal,
    });
  } catch (err) {
    if (err instanceof HandlerFailure && err.status === 404) {
      throw new HandlerFailure(`no pick list for ${orderId} yet to cancel`, 'transient');
    }
    throw err;
  }
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
        await cancelPickList(options.inventoryUrl, event.data.orderId, event.id, signal);
        return;
      case 'OrderRefunded':
      case 'OrderFlagged':
        return;
    }
  };
}
