import type { Order, OrderItem } from '@edge/upstream';

/** An order item with its order's currency, so its price can be shown on its own. */
export type PricedItem = OrderItem & { currency: string };

export const pricedItems = (order: Order): PricedItem[] =>
  order.items.map((item) => ({ ...item, currency: order.currency }));
