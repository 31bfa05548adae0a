import DataLoader from 'dataloader';
import type { CallOptions } from './call-options.js';
import type { Order, Product, User } from './domain.js';
import type { ServiceClients } from './service-clients.js';

/** Most ids one batch call may carry (the services cap `?ids=` at 500). */
export const MAX_BATCH = 500;

export interface Loaders {
  user: DataLoader<string, User>;
  product: DataLoader<string, Product>;
  order: DataLoader<string, Order>;
}

/**
 * Build fresh loaders for one GraphQL request: every id asked for in one tick becomes one batch
 * call per service. Never share them between requests: they cache, and a shared cache would
 * leak one caller's data to another. A failed batch rejects its keys and is not cached, so a
 * later load in the same request calls again.
 */
export function createLoaders(clients: ServiceClients, call: CallOptions): Loaders {
  const options = { maxBatchSize: MAX_BATCH };
  return {
    user: new DataLoader((ids) => clients.users(ids, call), options),
    product: new DataLoader((ids) => clients.products(ids, call), options),
    order: new DataLoader((ids) => clients.orders(ids, call), options),
  };
}
