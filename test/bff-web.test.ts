import { breakerTransitions, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

const USER = 'u-7';
/**
 * Every upstream's deadline here: long enough that a healthy call never times out on a loaded box
 * (the default 1 s did, turning the batching and breaker tests into tests of the machine's speed:
 * 52 to 105 errors in the 50-order answer with two busy loops beside the suite); the
 * never-answering test only needs the deadline to be finite.
 */
const UPSTREAM_TIMEOUT_MS = 5_000;
const UPSTREAM_CAPACITY = 8;

const FIFTY_ORDERS = `{
  me { id name email orders(first: 50) { edges { node { id status total { amountCents currency }
    user { id name }
    items { quantity product { id name description price { amountCents currency } stock } } } }
    pageInfo { hasNextPage endCursor } } }
}`;

const ME_WITH_PRODUCTS = `{
  me { id name orders(first: 5) { edges { node { id total { amountCents currency }
    items { quantity product { id name price { amountCents currency } } } } } } }
}`;

describe('bff-web through the gateway', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startTestStack({
      envFor: {
        'bff-web': {
          // These tests exercise the product service path (breaker, stale cache, call counts);
          // the read model in front of it is covered by read-model-surfaces.test.ts.
          STORE_MODE: 'memory',
          BREAKER_VOLUME_THRESHOLD: '2',
          PRODUCT_BREAKER_RESET_MS: '500',
          UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
          UPSTREAM_CAPACITY: String(UPSTREAM_CAPACITY),
        },
      },
    });
    token = await stack.token('web', USER);
    // Seeded users own at most 24 orders: place more through the order service itself.
    for (let i = 0; i < 45; i++) {
      const res = await fetch(`${stack.urls.mock.order}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          idempotencyKey: `e2e-web-${i}`,
          userId: USER,
          items: [
            { productId: `p-${(i % 380) + 1}`, quantity: 1 },
            { productId: `p-${((i * 11) % 380) + 2}`, quantity: 3 },
          ],
        }),
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('50 orders with all items, products and the user make one call per service', async () => {
    for (const s of ['order', 'product', 'user'] as const) await stack.mock.resetCalls(s);
    const res = await stack.gql('/web/graphql', FIFTY_ORDERS, { token });
    expect(res.status).toBe(200);
    expect(res.body.errors, JSON.stringify(res.body.errors?.[0])).toBeUndefined();
    expect(res.body.data.me.orders.edges).toHaveLength(50);
    expect(await stack.mock.calls('order')).toEqual({ 'GET /orders': 1 });
    expect(await stack.mock.calls('product')).toEqual({ 'GET /products': 1 });
    expect(await stack.mock.calls('user')).toEqual({ 'GET /users': 1 });
  });

  it('product service down: stale products or UPSTREAM_UNAVAILABLE, order and user parts answer, and the half-open probe brings fresh data back', async () => {
    const warm = await stack.gql('/web/graphql', ME_WITH_PRODUCTS, { token });
    expect(warm.body.errors).toBeUndefined();
    await stack.mock.fault('product', { mode: 'down' });

    // Until the breaker opens, failures are covered by the last good values already.
    for (let i = 0; i < 3; i++) await stack.gql('/web/graphql', ME_WITH_PRODUCTS, { token });
    await stack.mock.resetCalls('product');
    const probesBefore = await breakerTransitions(stack.urls.bffWeb, 'product', 'half_open');
    const res = await stack.gql(
      '/web/graphql',
      `{ me { id name orders(first: 5) { edges { node { id items { product { id name } } } } } }
         product(id: "p-397") { id name } }`,
      { token },
    );
    expect(res.status).toBe(200);
    // The breaker is open: the product service saw nothing but half-open probes, one each time
    // the reset window passed (on a loaded box it may pass during this request).
    const probes =
      (await breakerTransitions(stack.urls.bffWeb, 'product', 'half_open')) - probesBefore;
    expect((await stack.mock.calls('product'))['GET /products'] ?? 0).toBeLessThanOrEqual(probes);
    expect(res.body.data.me.name).toEqual(expect.any(String));
    expect(res.body.data.me.orders.edges).toHaveLength(5);
    for (const edge of res.body.data.me.orders.edges) {
      for (const item of edge.node.items) expect(item.product.name).toEqual(expect.any(String));
    }
    expect(res.body.extensions.stale).toEqual([{ service: 'product', ageMs: expect.any(Number) }]);
    expect(res.body.data.product).toBeNull();
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        path: ['product'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'product' },
      }),
    ]);

    await stack.mock.clearFaults('product');
    await waitUntil(
      'fresh answers after the half-open probe',
      async () => {
        const fresh = await stack.gql('/web/graphql', ME_WITH_PRODUCTS, { token });
        return fresh.body.extensions === undefined && fresh.body.errors === undefined;
      },
      30_000,
    );
    const metrics = await (await fetch(`${stack.urls.bffWeb}/metrics`)).text();
    expect(metrics).toMatch(/upstream_breaker_state\{[^}]*service="product"[^}]*\} 0/);
    expect(metrics).toMatch(
      /upstream_breaker_transitions_total\{[^}]*service="product"[^}]*to="closed"[^}]*\} 1/,
    );
  });

  it('product service that never answers: every request still answers, and no more than the capacity of product calls is ever in flight', async () => {
    // The service holds every call for ten minutes: a request that waited for it would never
    // answer, so the requests answering at all proves the deadline, with no clock in the test.
    await stack.mock.fault('product', { mode: 'latency', latencyMs: 600_000 });
    await stack.mock.resetCalls('product');
    try {
      // Two users: one caller's requests in flight are capped at the edge (16).
      const users = [USER, 'u-8'];
      const tokens = [token, await stack.token('web', 'u-8')];
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          stack.gql('/web/graphql', `{ me { id } product(id: "p-${200 + i}") { id name } }`, {
            token: tokens[i % 2] ?? token,
          }),
        ),
      );
      for (const [i, res] of answers.entries()) {
        expect(res.status).toBe(200);
        expect(res.body.data.me).toEqual({ id: users[i % 2] });
        // A product some earlier answer held comes back stale; any other is null plus the code.
        if (res.body.data.product === null) {
          expect(res.body.errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
        } else {
          expect(res.body.extensions.stale).toEqual([
            { service: 'product', ageMs: expect.any(Number) },
          ]);
        }
      }
      // Calls beyond the capacity are refused at once, not queued: however the 30 requests
      // spread over timeouts, breaker openings and half-open probes, the service never had more
      // than the capacity of them at once.
      const { maxInFlight } = await stack.mock.concurrency('product');
      expect(maxInFlight).toBeGreaterThan(0);
      expect(maxInFlight).toBeLessThanOrEqual(UPSTREAM_CAPACITY);
    } finally {
      await stack.mock.clearFaults('product');
    }
  });
});
