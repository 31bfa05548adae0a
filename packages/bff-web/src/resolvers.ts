import {
  asFieldError,
  type BffContext,
  type BffResolvers,
  loadOrNull,
  requireUser,
  toMoney,
} from '@edge/bff-runtime';
import {
  fetchOrderPage,
  type Order,
  type OrderItem,
  type Product,
  searchProducts,
} from '@edge/upstream';

/** Items carry the order's currency so their prices can be shown on their own. */
type PricedItem = OrderItem & { currency: string };

/** Most orders one page may ask for; larger requests are clamped, not refused. */
const MAX_PAGE = 100;

async function ordersOf(userId: string, args: { first?: number; after?: string }, ctx: BffContext) {
  const first = Math.min(Math.max(args.first ?? 10, 0), MAX_PAGE);
  try {
    const page = await fetchOrderPage(
      ctx.clients,
      { owner: { userId }, first, after: args.after },
      ctx.callHeaders,
    );
    for (const order of page.items) ctx.loaders.order.prime(order.id, order);
    return {
      edges: page.items.map((node) => ({ cursor: node.id, node })),
      pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
    };
  } catch (err) {
    throw asFieldError(err);
  }
}

export const resolvers: BffResolvers = {
  Query: {
    me: async (_: unknown, __: unknown, ctx: BffContext) => {
      const user = await loadOrNull(ctx.loaders.user, requireUser(ctx));
      return user ?? { id: requireUser(ctx), name: '', email: '' };
    },
    product: (_: unknown, args: { id: string }, ctx: BffContext) =>
      loadOrNull(ctx.loaders.product, args.id),
    order: async (_: unknown, args: { id: string }, ctx: BffContext) => {
      const order = await loadOrNull(ctx.loaders.order, args.id);
      return order && order.userId === requireUser(ctx) ? order : null;
    },
    searchProducts: async (_: unknown, args: { query: string; first: number }, ctx: BffContext) => {
      const first = Math.min(Math.max(args.first, 0), MAX_PAGE);
      const { items } = await searchProducts(ctx.clients, args.query, first, ctx.callHeaders).catch(
        (err: unknown) => {
          throw asFieldError(err);
        },
      );
      for (const product of items) ctx.loaders.product.prime(product.id, product);
      return items;
    },
  },
  User: {
    orders: (user: { id: string }, args: { first?: number; after?: string }, ctx: BffContext) =>
      ordersOf(user.id, args, ctx),
  },
  Order: {
    total: (order: Order) => toMoney(order.totalCents, order.currency),
    items: (order: Order): PricedItem[] =>
      order.items.map((item) => ({ ...item, currency: order.currency })),
  },
  OrderItem: {
    unitPrice: (item: PricedItem) => toMoney(item.unitPriceCents, item.currency),
    product: (item: PricedItem, _: unknown, ctx: BffContext) =>
      loadOrNull(ctx.loaders.product, item.productId),
  },
  Product: {
    price: (product: Product) => toMoney(product.priceCents, product.currency),
  },
};
