import DataLoader from 'dataloader';
import type { Order, Product, User } from './domain';
import {
  type CallHeaders,
  fetchOrders,
  fetchProducts,
  fetchUsers,
  type ServiceClients,
} from './service-clients';
import { UpstreamError } from './upstream-error';

/** Most ids one batch call may carry (the services cap `?ids=` at 500). */
export const MAX_BATCH = 500;

export interface Loaders {
  user: DataLoader<string, User>;
  product: DataLoader<string, Product>;
  order: DataLoader<string, Order>;
}

/**
 * Results in key order, one per key, an Error value for a missing one: the dataloader contract.
 * A failed batch rejects every key and dataloader does not cache it, so a retry refetches.
 */
function byId<T extends { id: string }>(
  service: string,
  fetch: (keys: readonly string[]) => Promise<{ items: T[] }>,
) {
  return async (keys: readonly string[]): Promise<(T | Error)[]> => {
    const { items } = await fetch(keys);
    const found = new Map(items.map((item) => [item.id, item]));
    return keys.map(
      (key) => found.get(key) ?? new UpstreamError(service, 404, `${service} ${key} not found`),
    );
  };
}

/**
 * Build fresh loaders for one GraphQL request. Never share them between requests: they cache,
 * and a shared cache would leak one caller's data to another.
 */
export function createLoaders(clients: ServiceClients, headers: CallHeaders): Loaders {
  const options = { maxBatchSize: MAX_BATCH };
  return {
    user: new DataLoader(
      byId('user', (k) => fetchUsers(clients, k, headers)),
      options,
    ),
    product: new DataLoader(
      byId('product', (k) => fetchProducts(clients, k, headers)),
      options,
    ),
    order: new DataLoader(
      byId('order', (k) => fetchOrders(clients, k, headers)),
      options,
    ),
  };
}
