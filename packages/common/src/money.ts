/**
 * The largest order total, in cents, anything here carries: GraphQL's `Int` (and most ledgers'
 * 32-bit cents) cannot hold more, so a larger total stored once would break every read of it.
 */
export const MAX_ORDER_TOTAL_CENTS = 2 ** 31 - 1;
