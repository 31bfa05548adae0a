import { type BffConfig, loadSchema } from '@edge/bff-runtime';
import { fieldOf, startTestBff, type TestBff } from '@edge/testkit';
import type { Order, Product, User } from '@edge/upstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webSchema } from '../src/web-schema';

const WEB_USER = { surface: 'web', userId: 'u-1' } as const;

const FIFTY_ORDERS = `{
  me { id name email orders(first: 50) { edges { node { id status total { amountCents currency }
    user { id name email }
    items { quantity unitPrice { amountCents currency }
      product { id name description price { amountCents currency } stock } } } }
    pageInfo { hasNextPage endCursor } } }
}`;

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

/** u-1 owns fewer than 50 seeded orders: place more through the order service itself. */
async function giveUserFiftyOrders(orderUrl: string) {
  for (let i = 0; i < 45; i++) {
    const res = await fetch(`${orderUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: `web-test-${i}`,
        userId: 'u-1',
        items: [
          { productId: `p-${(i % 390) + 1}`, quantity: 1 },
          { productId: `p-${((i * 7) % 390) + 2}`, quantity: 2 },
          { productId: `p-${((i * 13) % 390) + 3}`, quantity: 1 },
        ],
      }),
    });
    if (res.status !== 201) throw new Error(`order setup failed: ${res.status}`);
  }
}

/**
 * The resolvers as they are usually first written: every field fetches what it needs, one
 * HTTP call per entity. Kept here only to measure what the loaders save.
 */
function naiveResolvers(config: BffConfig) {
  const get = async <T>(url: string) => (await (await fetch(url)).json()) as T;
  return {
    Query: {
      me: (_: unknown, __: unknown, ctx: { identity: { userId?: string } }) => ({
        id: ctx.identity.userId,
      }),
    },
    User: {
      name: async (u: { id: string }) =>
        (await get<User>(`${config.services.user}/users/${u.id}`)).name,
      email: async (u: { id: string }) =>
        (await get<User>(`${config.services.user}/users/${u.id}`)).email,
      orders: async (u: { id: string }, args: { first: number }) => {
        const page = await get<{ items: Order[]; nextCursor: string | null }>(
          `${config.services.order}/orders?userId=${u.id}&first=${args.first}`,
        );
        return {
          edges: page.items.map((node) => ({ cursor: node.id, node })),
          pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
        };
      },
    },
    Order: {
      total: (o: Order) => ({ amountCents: o.totalCents, currency: o.currency }),
      user: (o: Order) => ({ id: o.userId }),
      items: (o: Order) => o.items.map((i) => ({ ...i, currency: o.currency })),
    },
    OrderItem: {
      unitPrice: (i: { unitPriceCents: number; currency: string }) => ({
        amountCents: i.unitPriceCents,
        currency: i.currency,
      }),
      product: (i: { productId: string }) =>
        get<Product>(`${config.services.product}/products/${i.productId}`),
    },
    Product: {
      price: (p: Product) => ({ amountCents: p.priceCents, currency: p.currency }),
    },
  };
}

describe('bff-web', () => {
  let web: TestBff;
  beforeAll(async () => {
    web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
    });
    await giveUserFiftyOrders(web.mock.urls.order);
  });
  afterAll(async () => {
    await web?.close();
  });

  it('50 orders with all items, products and the user cost one call per service', async () => {
    for (const s of ['order', 'product', 'user'] as const) await web.resetCalls(s);
    const res = await web.gql('/graphql', FIFTY_ORDERS, WEB_USER);
    expect(res.body.errors).toBeUndefined();
    const me = fieldOf<{
      name: string;
      orders: { edges: { node: { user: { name: string }; items: { product: unknown }[] } }[] };
    }>(res, 'me');
    expect(me.orders.edges).toHaveLength(50);
    expect(me.orders.edges.every((e) => e.node.user.name === me.name)).toBe(true);
    expect(me.orders.edges.flatMap((e) => e.node.items).every((i) => i.product !== null)).toBe(
      true,
    );
    expect(await web.calls('order')).toEqual({ 'GET /orders': 1 });
    expect(await web.calls('product')).toEqual({ 'GET /products': 1 });
    expect(await web.calls('user')).toEqual({ 'GET /users': 1 });
  });

  it('the same query with naive per-field fetching makes over 100 calls', async () => {
    await using naive = await startTestBff({
      name: 'bff-web-naive',
      schemas: (config) => [
        {
          path: '/graphql',
          typeDefs: loadSchema(new URL('../src/schema.graphql', import.meta.url)),
          resolvers: naiveResolvers(config),
        },
      ],
    });
    await giveUserFiftyOrders(naive.mock.urls.order);
    for (const s of ['order', 'product', 'user'] as const) await naive.resetCalls(s);
    const res = await naive.gql('/graphql', FIFTY_ORDERS, WEB_USER);
    expect(res.body.errors).toBeUndefined();
    const calls = {
      order: total(await naive.calls('order')),
      product: total(await naive.calls('product')),
      user: total(await naive.calls('user')),
    };
    console.info(`naive resolvers, 50 orders: ${JSON.stringify(calls)}`);
    expect(calls.order + calls.product + calls.user).toBeGreaterThanOrEqual(100);
  });

  it('product page, catalogue and search by name answer from the product service', async () => {
    const res = await web.gql(
      '/graphql',
      `{ product(id: "p-7") { id name description price { amountCents currency } stock }
         products(first: 3) { id }
         searchProducts(query: "LAMP", first: 5) { id name } }`,
      WEB_USER,
    );
    expect(res.body.errors).toBeUndefined();
    const data = res.body.data as {
      product: { id: string; price: { amountCents: number; currency: string } };
      products: { id: string }[];
      searchProducts: { name: string }[];
    };
    expect(data.product.id).toBe('p-7');
    expect(Number.isInteger(data.product.price.amountCents)).toBe(true);
    expect(data.product.price.currency).toBe('USD');
    expect(data.products.map((p) => p.id)).toEqual(['p-1', 'p-2', 'p-3']);
    for (const p of data.searchProducts) expect(p.name.toLowerCase()).toContain('lamp');
  });

  it('a page size of zero or less is an empty page, never an error', async () => {
    const res = await web.gql(
      '/graphql',
      `{ products(first: -5) { id } searchProducts(query: "LAMP", first: 0) { id }
         me { orders(first: 0) { edges { cursor } pageInfo { hasNextPage endCursor } } } }`,
      WEB_USER,
    );
    expect(res.body).toEqual({
      data: {
        products: [],
        searchProducts: [],
        me: { orders: { edges: [], pageInfo: { hasNextPage: true, endCursor: null } } },
      },
    });
  });

  it('an unknown product is null without an error', async () => {
    const res = await web.gql('/graphql', '{ product(id: "p-99999") { id } }', WEB_USER);
    expect(res.body).toEqual({ data: { product: null } });
  });

  it("another user's order is null, as if it did not exist", async () => {
    const mine = await web.gql(
      '/graphql',
      '{ me { orders(first: 1) { edges { node { id } } } } }',
      {
        surface: 'web',
        userId: 'u-2',
      },
    );
    const me = fieldOf<{ orders: { edges: { node: { id: string } }[] } }>(mine, 'me');
    const id = me.orders.edges[0]?.node.id;
    const res = await web.gql('/graphql', `{ order(id: "${id}") { id user { id } } }`, WEB_USER);
    expect(res.body).toEqual({ data: { order: null } });
    const own = await web.gql('/graphql', `{ order(id: "${id}") { id user { id } } }`, {
      surface: 'web',
      userId: 'u-2',
    });
    expect(fieldOf(own, 'order')).toEqual({ id, user: { id: 'u-2' } });
  });

  it('cursor pagination walks the orders without overlap', async () => {
    const page = async (after: string | null) => {
      const res = await web.gql(
        '/graphql',
        'query($after: String) { me { orders(first: 20, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }',
        WEB_USER,
        { after },
      );
      return fieldOf<{
        orders: {
          edges: { node: { id: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }>(res, 'me').orders;
    };
    const first = await page(null);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(first.pageInfo.endCursor);
    const ids = [...first.edges, ...second.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(40);
  });

  it('preview fields are not in the schema unless switched on', async () => {
    const res = await web.gql('/graphql', '{ product(id: "p-1") { inStock } }', WEB_USER);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
