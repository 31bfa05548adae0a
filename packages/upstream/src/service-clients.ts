import { type BreakerOptions, type GuardedClient, withBreaker } from './breaker';
import type { Order, Page, Product, User } from './domain';
import { createHttpClient } from './http-client';

export interface ServiceUrls {
  order: string;
  product: string;
  user: string;
}

export interface ServiceClientsOptions {
  urls: ServiceUrls;
  /** Per-call deadline for every service; default from the HTTP client. */
  timeoutMs?: number;
  breaker?: BreakerOptions;
}

/** Per-call metadata that must reach the services: request id and trace context. */
export type CallHeaders = Record<string, string>;

export interface ServiceClients {
  order: GuardedClient;
  product: GuardedClient;
  user: GuardedClient;
  close(): Promise<void>;
}

/** One guarded client per upstream, shared by every request of the process. */
export function createServiceClients(options: ServiceClientsOptions): ServiceClients {
  const make = (service: keyof ServiceUrls) =>
    withBreaker(
      createHttpClient({
        service,
        baseUrl: options.urls[service],
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      }),
      options.breaker,
    );
  const clients = { order: make('order'), product: make('product'), user: make('user') };
  return {
    ...clients,
    close: async () => {
      await Promise.all(Object.values(clients).map((c) => c.close()));
    },
  };
}

const ids = (keys: readonly string[]) => encodeURIComponent(keys.join(','));

export const fetchUsers = (c: ServiceClients, keys: readonly string[], headers: CallHeaders) =>
  c.user.get<{ items: User[] }>(`/users?ids=${ids(keys)}`, { headers });

export const fetchProducts = (c: ServiceClients, keys: readonly string[], headers: CallHeaders) =>
  c.product.get<{ items: Product[] }>(`/products?ids=${ids(keys)}`, { headers });

export const fetchOrders = (c: ServiceClients, keys: readonly string[], headers: CallHeaders) =>
  c.order.get<{ items: Order[] }>(`/orders?ids=${ids(keys)}`, { headers });

export interface OrderPageQuery {
  owner: { userId: string } | { partnerId: string };
  first: number;
  after?: string | undefined;
}

export function fetchOrderPage(c: ServiceClients, q: OrderPageQuery, headers: CallHeaders) {
  const params = new URLSearchParams({ first: String(q.first) });
  if ('userId' in q.owner) params.set('userId', q.owner.userId);
  else params.set('partnerId', q.owner.partnerId);
  if (q.after) params.set('after', q.after);
  return c.order.get<Page<Order>>(`/orders?${params}`, { headers });
}

export const searchProducts = (
  c: ServiceClients,
  search: string,
  first: number,
  headers: CallHeaders,
) =>
  c.product.get<{ items: Product[] }>(
    `/products?search=${encodeURIComponent(search)}&first=${first}`,
    { headers },
  );
