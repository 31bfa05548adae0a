import type { BffContext } from '@edge/bff-runtime';
import {
  clampPage,
  itemsOf,
  loadOrNull,
  orderMutationResolvers as orderMutations,
  orFieldError,
  requireUser,
  toMoney,
} from '@edge/bff-runtime';
import type { Order, Product } from '@edge/upstream';
import type { Resolvers } from './generated/resolvers-types.js';
import type { HomeModel } from './models.js';

/** Mobile pages are small: a summary list never exceeds this. */
export const MAX_SUMMARIES = 50;
/** Orders on the home screen. */
export const HOME_ORDERS = 5;
/** Products in the home screen's "buy again" strip. */
export const BUY_AGAIN = 6;

const recentOrders = (userId: string, first: number, ctx: BffContext): Promise<Order[]> =>
  itemsOf(first, (size) =>
    orFieldError(ctx.clients.orderPage({ owner: { userId }, first: size }, ctx.call)).then(
      (p) => p.items,
    ),
  );

function homeOf(userId: string, ctx: BffContext): HomeModel {
  let orders: Promise<Order[]> | undefined;
  return {
    userId,
    recentOrders: () => {
      orders ??= recentOrders(userId, HOME_ORDERS, ctx);
      return orders;
    },
  };
}

/** Checked against the generated types of schema.graphql, like every BFF's resolver map. */
export const resolvers: Resolvers = {
  ...orderMutations,
  Query: {
    orderStatus: orderMutations.Query.orderStatus,
    home: (_, __, ctx) => homeOf(requireUser(ctx), ctx),
    orderSummaries: (_, args, ctx) =>
      recentOrders(requireUser(ctx), clampPage(args.first, 10, MAX_SUMMARIES), ctx),
  },
  Home: {
    userName: async (home, _, ctx) =>
      (await loadOrNull(ctx.loaders.user, home.userId))?.name ?? null,
    recentOrders: (home) => home.recentOrders(),
    buyAgain: async (home, _, ctx) => {
      const orders = await home.recentOrders();
      const ids = [...new Set(orders.flatMap((o) => o.items.map((i) => i.productId)))];
      const products = await Promise.all(
        ids.slice(0, BUY_AGAIN).map((id) => loadOrNull(ctx.loaders.product, id)),
      );
      return products.filter((p): p is Product => p !== null);
    },
  },
  OrderSummary: {
    total: (order) => toMoney(order.totalCents, order.currency),
    itemCount: (order) => order.items.reduce((n, item) => n + item.quantity, 0),
  },
  ProductCard: {
    price: (product) => toMoney(product.priceCents, product.currency),
  },
};
