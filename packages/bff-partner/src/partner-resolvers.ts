import {
  type BffContext,
  clampPage,
  itemsOf,
  loadOrNull,
  mayReadOrder,
  orFieldError,
  type PricedItem,
  pricedItems,
  requirePartner,
  toMoney,
} from '@edge/bff-runtime';
import type { Order, Product } from '@edge/upstream';

/** Most orders one page may ask for; larger requests are clamped, not refused. */
export const MAX_PAGE = 100;

/**
 * Every resolver of both API versions, written once. Each version's map (v1.ts, v2.ts) picks
 * the ones its schema has, and the generated types of that version check the pick.
 *
 * Isolation: the partner comes from the edge-signed identity, never from arguments, and an
 * order is only ever returned after its `partnerId` matched the caller.
 */
export const partnerQuery = {
  orders: async (_: unknown, args: { first?: number | null }, ctx: BffContext) => {
    const partnerId = requirePartner(ctx);
    const items = await itemsOf(clampPage(args.first, 10, MAX_PAGE), async (first) => {
      const page = await orFieldError(
        ctx.clients.orderPage({ owner: { partnerId }, first }, ctx.call),
      );
      return page.items;
    });
    // Belt and braces: the service filtered by partner, and so do we.
    return items.filter((order) => order.partnerId === partnerId);
  },
  order: async (_: unknown, args: { id: string }, ctx: BffContext) => {
    requirePartner(ctx);
    const order = await loadOrNull(ctx.loaders.order, args.id);
    return order && mayReadOrder(ctx.identity, order) ? order : null;
  },
};

/** v2 only: catalogue reads, open to every partner (products are not partner-scoped). */
export const partnerProductQuery = {
  product: (_: unknown, args: { id: string }, ctx: BffContext) => {
    requirePartner(ctx);
    return loadOrNull(ctx.loaders.product, args.id);
  },
};

export const partnerProductFields = {
  unitPrice: (product: Product) => toMoney(product.priceCents, product.currency),
  available: (product: Product) => product.stock,
};

export const partnerOrderFields = {
  items: (order: Order) => pricedItems(order),
  /** v1 money: integer cents beside a currency field. */
  totalCents: (order: Order) => order.totalCents,
  /** v2 money: one Money object. */
  total: (order: Order) => toMoney(order.totalCents, order.currency),
  /** v1 name of the placement time. */
  createdAt: (order: Order) => order.createdAt,
  /** v2 name of the same field. */
  placedAt: (order: Order) => order.createdAt,
  /**
   * v1 only, deprecated there: customer contact data leaves the partner API in v2. Only the
   * partner's own registered customers: a platform user's personal data never reaches a partner.
   */
  customerEmail: async (order: Order, _: unknown, ctx: BffContext) => {
    const partnerId = requirePartner(ctx);
    const customer = await loadOrNull(ctx.loaders.user, order.userId);
    return customer?.partnerId === partnerId ? customer.email : null;
  },
};

export const partnerItemFields = {
  unitPriceCents: (item: PricedItem) => item.unitPriceCents,
  unitPrice: (item: PricedItem) => toMoney(item.unitPriceCents, item.currency),
};
