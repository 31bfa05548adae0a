// The place-order saga's five provider calls made bare: no engine, no store, no pacing, no API
// in front; the same requests the saga's steps send, through the same HTTP client and pool the
// engine uses (HttpProviderClient: undici keep-alive agent behind one breaker per provider).
// It is the ceiling the engine is measured against.
import type {
  PlaceOrderItem,
  ProviderClient,
  ProviderRequest,
} from '../../../packages/saga/src/index';

const TIMEOUT_MS = 5_000;

type Call = Omit<ProviderRequest, 'timeoutMs' | 'priority'>;

async function send(client: ProviderClient, call: Call): Promise<unknown> {
  const outcome = await client.call({ ...call, timeoutMs: TIMEOUT_MS, priority: 'forward' });
  if (outcome.kind !== 'ok') {
    throw new Error(`bare ${call.method} ${call.path} failed: ${JSON.stringify(outcome)}`);
  }
  return outcome.answer.body;
}

/** One order placed the way the saga places it: order, reservation, charge, shipment, confirm. */
export async function placeOrderBare(
  client: ProviderClient,
  key: string,
  userId: string,
  items: PlaceOrderItem[],
): Promise<void> {
  const order = (await send(client, {
    provider: 'order',
    method: 'POST',
    path: '/orders',
    body: { idempotencyKey: `${key}:create_order`, userId, items },
  })) as { id: string; totalCents: number; currency: string };
  await send(client, {
    provider: 'inventory',
    method: 'POST',
    path: '/reservations',
    body: { idempotencyKey: `${key}:reserve_inventory`, orderId: order.id, items },
  });
  await send(client, {
    provider: 'payment',
    method: 'POST',
    path: '/charges',
    body: {
      idempotencyKey: `${key}:charge_payment`,
      orderId: order.id,
      amountCents: order.totalCents,
      currency: order.currency,
    },
  });
  await send(client, {
    provider: 'shipping',
    method: 'POST',
    path: '/shipments',
    body: { idempotencyKey: `${key}:create_shipment`, orderId: order.id },
  });
  await send(client, {
    provider: 'order',
    method: 'POST',
    path: `/orders/${encodeURIComponent(order.id)}/status`,
    body: { idempotencyKey: `${key}:confirm_order`, status: 'confirmed' },
  });
}
