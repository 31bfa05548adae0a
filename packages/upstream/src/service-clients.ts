import type { CallOptions } from './call-options.js';
import type { Order, Page, Product, User } from './domain.js';
import { createHttpClient } from './http-client.js';
import { StaleCache } from './stale-cache.js';
import { UpstreamError } from './upstream-error.js';
import { createUpstreamMetrics, type UpstreamMetrics } from './upstream-metrics.js';
import { resolvePolicy, type UpstreamPolicies, type UpstreamService } from './upstream-policy.js';
import { type GuardedClient, withBreaker } from './with-breaker.js';
import { withLatency } from './with-latency.js';
import { type Read, type ReadMany, withStaleBatch, withStaleCache } from './with-stale-cache.js';
import { withTimeout } from './with-timeout.js';
import { withTracing } from './with-tracing.js';

export type ServiceUrls = Record<UpstreamService, string>;

export interface ServiceClientsOptions {
  urls: ServiceUrls;
  /** Resilience settings per upstream; unset fields take DEFAULT_UPSTREAM_POLICY. */
  policies?: UpstreamPolicies;
  /** The process's upstream metrics; a private set by default. */
  metrics?: UpstreamMetrics;
}

export interface OrderPageQuery {
  owner: { userId: string } | { partnerId: string };
  first: number;
  after?: string | undefined;
}

export interface ProductSearch {
  /** Case-insensitive match on name and description; empty lists the catalogue. */
  text: string;
  first: number;
}

/** Typed, resilient reads of the order, product and user services, shared by every request. */
export interface ServiceClients {
  users: ReadMany<User>;
  products: ReadMany<Product>;
  orders: ReadMany<Order>;
  orderPage: Read<OrderPageQuery, Page<Order>>;
  searchProducts: Read<ProductSearch, Product[]>;
  /** The guarded HTTP client per upstream, for breaker state and health. */
  upstreams: Readonly<Record<UpstreamService, GuardedClient>>;
  close(): Promise<void>;
}

const ID_SEPARATOR = ',';
const idList = (ids: readonly string[]) => encodeURIComponent(ids.join(ID_SEPARATOR));

/**
 * The batch endpoint's answer in key order, an Error value for an id it did not return. An id
 * holding the list separator is no record's and is not sent: `product(id: "p-1,p-2,...")` would
 * otherwise make the service read every id in it for the price of one.
 */
function batchRead<T extends { id: string }>(client: GuardedClient, path: string): ReadMany<T> {
  return async (ids, call) => {
    const sendable = ids.filter((id) => !id.includes(ID_SEPARATOR));
    const { items } =
      sendable.length === 0
        ? { items: [] }
        : await client.get<{ items: T[] }>(`${path}?ids=${idList(sendable)}`, {
            headers: call.headers,
            caller: call.caller,
          });
    const found = new Map(items.map((item) => [item.id, item]));
    return ids.map(
      (id) =>
        found.get(id) ??
        new UpstreamError(client.service, 404, `${client.service} ${id} not found`),
    );
  };
}

/**
 * The product service matches case-insensitively on trimmed text, so these are one search: the
 * cache must not keep " E" and "e" apart (a client varying them filled it with copies).
 */
const searchKey = (q: ProductSearch) => `${q.first}:${q.text.trim().toLowerCase()}`;

function orderPageQuery(q: OrderPageQuery): string {
  const params = new URLSearchParams({ first: String(q.first) });
  if ('userId' in q.owner) params.set('userId', q.owner.userId);
  else params.set('partnerId', q.owner.partnerId);
  if (q.after) params.set('after', q.after);
  return params.toString();
}

/**
 * One upstream decorated from the wire outwards: keep-alive pool, latency metric, socket
 * deadline, breaker with bounded concurrency, all from its policy (`policies` over the defaults).
 */
export function createGuardedClient(
  service: UpstreamService,
  baseUrl: string,
  metrics: UpstreamMetrics,
  policies?: UpstreamPolicies,
): GuardedClient {
  const policy = resolvePolicy(service, policies);
  const http = createHttpClient({ service, baseUrl, connections: policy.connections });
  return withBreaker(withTimeout(withLatency(http, metrics), policy.timeoutMs), {
    ...policy,
    metrics,
  });
}

/** A guarded client per upstream; reads then fall back to the stale cache. */
export function createServiceClients(options: ServiceClientsOptions): ServiceClients {
  const metrics = options.metrics ?? createUpstreamMetrics();
  const guard = (service: UpstreamService) =>
    createGuardedClient(service, options.urls[service], metrics, options.policies);
  /**
   * `keyedByClient`: a cache whose keys the client chooses (a page size, a search text), which
   * one caller could otherwise fill; caches by id hold records that exist, shared by callers.
   */
  const cacheFor = <T>(service: UpstreamService, keyedByClient = false) => {
    const policy = resolvePolicy(service, options.policies);
    return new StaleCache<T>({
      service,
      maxEntries: policy.staleMaxEntries,
      maxRecords: policy.staleMaxRecords,
      maxAgeMs: policy.staleMaxAgeMs,
      ...(keyedByClient ? { maxEntriesPerCaller: policy.staleMaxEntriesPerCaller } : {}),
      metrics,
    });
  };
  const upstreams = { order: guard('order'), product: guard('product'), user: guard('user') };
  const orderCache = cacheFor<Order>('order');
  const productCache = cacheFor<Product>('product');

  const orderPage: Read<OrderPageQuery, Page<Order>> = (q, call: CallOptions) =>
    upstreams.order.get(`/orders?${orderPageQuery(q)}`, {
      headers: call.headers,
      caller: call.caller,
    });
  const searchProducts: Read<ProductSearch, Product[]> = async (q, call) => {
    const params = new URLSearchParams({ search: q.text, first: String(q.first) });
    const { items } = await upstreams.product.get<{ items: Product[] }>(`/products?${params}`, {
      headers: call.headers,
      caller: call.caller,
    });
    return items;
  };

  return {
    users: withTracing(
      withStaleBatch(batchRead<User>(upstreams.user, '/users'), cacheFor('user')),
      upstreams.user,
      'users',
    ),
    products: withTracing(
      withStaleBatch(batchRead<Product>(upstreams.product, '/products'), productCache),
      upstreams.product,
      'products',
    ),
    orders: withTracing(
      withStaleBatch(batchRead<Order>(upstreams.order, '/orders'), orderCache),
      upstreams.order,
      'orders',
    ),
    orderPage: withTracing(
      withStaleCache(orderPage, cacheFor('order', true), orderPageQuery),
      upstreams.order,
      'orderPage',
    ),
    searchProducts: withTracing(
      withStaleCache(searchProducts, cacheFor('product', true), searchKey),
      upstreams.product,
      'searchProducts',
    ),
    upstreams,
    close: async () => {
      await Promise.all(Object.values(upstreams).map((c) => c.close()));
    },
  };
}
