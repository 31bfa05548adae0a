import {
  asFieldError,
  type BffContext,
  type BffResolvers,
  requirePartner,
  toMoney,
} from '@edge/bff-runtime';
import { fetchOrderPage, type Order } from '@edge/upstream';

const MAX_PAGE = 100;

/** Partners only ever see orders placed through their own keys: the owner comes from the edge. */
async function partnerOrders(_: unknown, args: { first: number }, ctx: BffContext) {
  const first = Math.min(Math.max(args.first, 0), MAX_PAGE);
  try {
    const page = await fetchOrderPage(
      ctx.clients,
      { owner: { partnerId: requirePartner(ctx) }, first },
      ctx.callHeaders,
    );
    return page.items;
  } catch (err) {
    throw asFieldError(err);
  }
}

/** v1 and v2 share every resolver; only the field shapes that changed differ. */
export const resolversV1: BffResolvers = {
  Query: { orders: partnerOrders },
};

export const resolversV2: BffResolvers = {
  Query: { orders: partnerOrders },
  PartnerOrder: {
    total: (order: Order) => toMoney(order.totalCents, order.currency),
    placedAt: (order: Order) => order.createdAt,
  },
};
