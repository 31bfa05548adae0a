import {
  clampPage,
  itemsOf,
  loadOrNull,
  mayReadOrder,
  orderMutationResolvers as orderMutations,
  orFieldError,
  pricedItems,
  requireUser,
  toMoney,
} from '@edge/bff-runtime';
import type { Resolvers } from './generated/resolvers-types.js';

/** Most orders or products one page may ask for; larger requests are clamped, not refused. */
export const MAX_PAGE = 100;

/**
 * Schema-first: the shape of this map is checked against the generated types of
 * schema.graphql (and schema-preview.graphql), so a schema change that breaks a resolver fails
 * type-checking. Every upstream read goes through the context's loaders or resilient clients.
 */
export const resolvers: Resolvers = {
  ...orderMutations,
  Query: {
    orderStatus: orderMutations.Query.orderStatus,
    // Only the id: name, email and orders are separate fields, so one failing service nulls its
    // own fields and the rest of `me` still answers.
    me: (_, __, ctx) => ({ id: requireUser(ctx) }),
    product: (_, { id }, ctx) => loadOrNull(ctx.loaders.product, id),
    order: async (_, { id }, ctx) => {
      const order = await loadOrNull(ctx.loaders.order, id);
      requireUser(ctx);
      return order && mayReadOrder(ctx.identity, order) ? order : null;
    },
    searchProducts: async (_, args, ctx) => {
      const text = args.query;
      const items = await itemsOf(clampPage(args.first, 20, MAX_PAGE), (first) =>
        orFieldError(ctx.clients.searchProducts({ text, first }, ctx.call)),
      );
      for (const product of items) ctx.loaders.product.prime(product.id, product);
      return items;
    },
    products: async (_, args, ctx) => {
      const items = await itemsOf(clampPage(args.first, 20, MAX_PAGE), (first) =>
        orFieldError(ctx.clients.searchProducts({ text: '', first }, ctx.call)),
      );
      for (const product of items) ctx.loaders.product.prime(product.id, product);
      return items;
    },
  },
  User: {
    name: async (user, _, ctx) => (await loadOrNull(ctx.loaders.user, user.id))?.name ?? null,
    email: async (user, _, ctx) => (await loadOrNull(ctx.loaders.user, user.id))?.email ?? null,
    orders: async (user, args, ctx) => {
      const first = clampPage(args.first, 10, MAX_PAGE);
      // No edges asked for: one order is read to tell whether there is a next page.
      const page = await orFieldError(
        ctx.clients.orderPage(
          { owner: { userId: user.id }, first: Math.max(first, 1), after: args.after ?? undefined },
          ctx.call,
        ),
      );
      if (first === 0) {
        return { edges: [], pageInfo: { hasNextPage: page.items.length > 0, endCursor: null } };
      }
      // The page already holds each order: later loads of them in this request cost nothing.
      for (const order of page.items) ctx.loaders.order.prime(order.id, order);
      return {
        edges: page.items.map((node) => ({ cursor: node.id, node })),
        pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
      };
    },
  },
  Order: {
    total: (order) => toMoney(order.totalCents, order.currency),
    items: (order) => pricedItems(order),
    user: (order) => ({ id: order.userId }),
  },
  OrderItem: {
    unitPrice: (item) => toMoney(item.unitPriceCents, item.currency),
    product: (item, _, ctx) => loadOrNull(ctx.loaders.product, item.productId),
  },
  Product: {
    price: (product) => toMoney(product.priceCents, product.currency),
    inStock: (product) => product.stock > 0,
  },
};
