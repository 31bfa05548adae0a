import {
  asFieldError,
  type BffContext,
  type BffResolvers,
  loadOrNull,
  requireUser,
  toMoney,
} from '@edge/bff-runtime';
import { fetchOrderPage, type Order, type Product } from '@edge/upstream';

/** Mobile pages are small: a summary list never exceeds this. */
const MAX_SUMMARIES = 50;
const HOME_ORDERS = 5;
const BUY_AGAIN = 6;

async function recentOrders(first: number, ctx: BffContext): Promise<Order[]> {
  const n = Math.min(Math.max(first, 0), MAX_SUMMARIES);
  try {
    const page = await fetchOrderPage(
      ctx.clients,
      { owner: { userId: requireUser(ctx) }, first: n },
      ctx.callHeaders,
    );
    return page.items;
  } catch (err) {
    throw asFieldError(err);
  }
}

export const resolvers: BffResolvers = {
  Query: {
    home: async (_: unknown, __: unknown, ctx: BffContext) => {
      const [user, orders] = await Promise.all([
        loadOrNull(ctx.loaders.user, requireUser(ctx)),
        recentOrders(HOME_ORDERS, ctx),
      ]);
      return { userName: user?.name ?? '', recentOrders: orders };
    },
    orderSummaries: (_: unknown, args: { first: number }, ctx: BffContext) =>
      recentOrders(args.first, ctx),
  },
  Home: {
    buyAgain: async (home: { recentOrders: Order[] }, _: unknown, ctx: BffContext) => {
      const ids = [...new Set(home.recentOrders.flatMap((o) => o.items.map((i) => i.productId)))];
      const products = await Promise.all(
        ids.slice(0, BUY_AGAIN).map((id) => loadOrNull(ctx.loaders.product, id)),
      );
      return products.filter((p): p is Product => p !== null);
    },
  },
  OrderSummary: {
    total: (order: Order) => toMoney(order.totalCents, order.currency),
    itemCount: (order: Order) => order.items.reduce((n, item) => n + item.quantity, 0),
  },
  ProductCard: {
    price: (product: Product) => toMoney(product.priceCents, product.currency),
  },
};
