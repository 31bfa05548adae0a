import { orderMutationResolvers as orderMutations } from '@edge/bff-runtime';
import type { Resolvers as V1Resolvers } from './generated/v1-types.js';
import type { Resolvers as V2Resolvers } from './generated/v2-types.js';
import {
  partnerItemFields as item,
  partnerOrderFields as order,
  partnerProductQuery,
  partnerQuery,
  partnerProductFields as product,
} from './partner-resolvers.js';

/** v1: money as cents plus currency, `createdAt`, and the deprecated `customerEmail`. */
export const resolversV1: V1Resolvers = {
  ...orderMutations,
  Query: { ...partnerQuery, orderStatus: orderMutations.Query.orderStatus },
  PartnerOrder: {
    items: order.items,
    totalCents: order.totalCents,
    createdAt: order.createdAt,
    customerEmail: order.customerEmail,
  },
  PartnerOrderItem: { unitPriceCents: item.unitPriceCents },
};

/** v2: money as a Money object, `placedAt`, no customer contact data, catalogue `product`. */
export const resolversV2: V2Resolvers = {
  ...orderMutations,
  Query: {
    ...partnerQuery,
    ...partnerProductQuery,
    orderStatus: orderMutations.Query.orderStatus,
  },
  PartnerOrder: { items: order.items, total: order.total, placedAt: order.placedAt },
  PartnerOrderItem: { unitPrice: item.unitPrice },
  PartnerProduct: product,
};
