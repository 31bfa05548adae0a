import { breakerTransitions, fieldOf, startTestBff, waitUntil } from '@edge/testkit';
import { DEFAULT_UPSTREAM_POLICY } from '@edge/upstream';
import { describe, expect, it } from 'vitest';
import { webSchema } from '../src/web-schema';

const WEB_USER = { surface: 'web', userId: 'u-1' } as const;

const ME_WITH_PRODUCTS = `{
  me { id name orders(first: 5) { edges { node { id total { amountCents }
    items { quantity product { id name price { amountCents currency } } } } } } }
}`;

interface MeAnswer {
  id: string;
  name: string | null;
  orders: {
    edges: { node: { id: string; items: { product: { id: string; name: string } | null }[] } }[];
  };
}

/** A seeded product that the answer does not hold, so no cache can have seen it. */
function productNotIn(me: MeAnswer): string {
  const seen = new Set(
    me.orders.edges.flatMap((e) => e.node.items.map((item) => item.product?.id ?? '')),
  );
  for (let n = 400; n > 0; n--) if (!seen.has(`p-${n}`)) return `p-${n}`;
  throw new Error('every product is in the answer');
}

describe('bff-web resilience', () => {
  it('open breaker serves stale products, the order and user parts still answer, and the half-open probe brings fresh data back', async () => {
    await using web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
      env: { BREAKER_VOLUME_THRESHOLD: '2', PRODUCT_BREAKER_RESET_MS: '300' },
    });
    const product = web.bff.clients.upstreams.product;
    const warm = await web.gql('/graphql', ME_WITH_PRODUCTS, WEB_USER);
    expect(warm.body.errors).toBeUndefined();
    expect(warm.body.extensions).toBeUndefined();
    const uncached = productNotIn(fieldOf<MeAnswer>(warm, 'me'));

    await web.fault('product', { mode: 'error', status: 503 });
    // Failing calls fill the window until the breaker opens; stale values cover them meanwhile.
    await waitUntil(
      'product breaker open',
      async () => {
        await web.gql('/graphql', ME_WITH_PRODUCTS, WEB_USER);
        return product.state() === 'open';
      },
      30_000,
    );

    await web.resetCalls('product');
    const probesBefore = await breakerTransitions(web.bff.url, 'product', 'half_open');
    const stale = await web.gql(
      '/graphql',
      `${ME_WITH_PRODUCTS.slice(0, -2)} product(id: "${uncached}") { id name } }`,
      WEB_USER,
    );
    // Open breaker: nothing reaches the product service but the half-open probes, one each time
    // the reset window passed (on a loaded box it may pass during this request).
    const probes = (await breakerTransitions(web.bff.url, 'product', 'half_open')) - probesBefore;
    expect((await web.calls('product'))['GET /products'] ?? 0).toBeLessThanOrEqual(probes);
    const me = fieldOf<MeAnswer>(stale, 'me');
    expect(me.name).toEqual(expect.any(String));
    expect(me.orders.edges).toHaveLength(5);
    expect(me.orders.edges.flatMap((e) => e.node.items).every((i) => i.product !== null)).toBe(
      true,
    );
    expect(stale.body.extensions?.['stale']).toEqual([
      { service: 'product', ageMs: expect.any(Number) },
    ]);
    // Never cached, so no stale value: null plus the documented code naming the service.
    expect(fieldOf(stale, 'product')).toBeNull();
    expect(stale.body.errors).toEqual([
      expect.objectContaining({
        path: ['product'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'product' },
      }),
    ]);

    await web.clearFaults('product');
    await waitUntil(
      'fresh answers after the half-open probe',
      async () => {
        const res = await web.gql('/graphql', ME_WITH_PRODUCTS, WEB_USER);
        return res.body.extensions === undefined && res.body.errors === undefined;
      },
      30_000,
    );
    expect(product.state()).toBe('closed');

    const metrics = await (await fetch(`${web.bff.url}/metrics`)).text();
    expect(metrics).toMatch(
      /upstream_breaker_transitions_total\{[^}]*service="product"[^}]*to="open"/,
    );
    expect(metrics).toMatch(/upstream_breaker_transitions_total\{[^}]*to="half_open"/);
    expect(metrics).toMatch(/upstream_breaker_transitions_total\{[^}]*to="closed"/);
    expect(metrics).toMatch(/upstream_stale_cache_total\{[^}]*result="hit"/);
    expect(metrics).toMatch(/upstream_request_duration_seconds_bucket\{[^}]*service="product"/);
  });

  it("while the order service fails, another user's recently read order answers like one never read (no stale hint); its owner gets it stale", async () => {
    await using web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
    });
    const me = fieldOf<MeAnswer>(await web.gql('/graphql', ME_WITH_PRODUCTS, WEB_USER), 'me');
    const mine = me.orders.edges[0]?.node.id ?? '';
    const byId = (id: string) => `{ order(id: "${id}") { id } }`;
    expect(fieldOf(await web.gql('/graphql', byId(mine), WEB_USER), 'order')).toEqual({ id: mine });

    await web.fault('order', { mode: 'error', status: 503 });
    const other = { surface: 'web', userId: 'u-2' } as const;
    const theirs = await web.gql('/graphql', byId(mine), other);
    const neverRead = await web.gql('/graphql', byId('o-999999'), other);
    for (const answer of [theirs, neverRead]) {
      expect(fieldOf(answer, 'order')).toBeNull();
      expect(answer.body.extensions).toBeUndefined();
      expect(answer.body.errors?.map((e) => e.extensions?.['code'])).toEqual([
        'UPSTREAM_UNAVAILABLE',
      ]);
    }
    const own = await web.gql('/graphql', byId(mine), WEB_USER);
    expect(fieldOf(own, 'order')).toEqual({ id: mine });
    expect(own.body.extensions?.['stale']).toEqual([
      { service: 'order', ageMs: expect.any(Number) },
    ]);
  });

  it('user service down: me keeps its id and orders, the name is null with UPSTREAM_UNAVAILABLE', async () => {
    await using web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
    });
    await web.fault('user', { mode: 'down' });
    const res = await web.gql(
      '/graphql',
      '{ me { id name orders(first: 2) { edges { node { id } } } } }',
      WEB_USER,
    );
    const me = fieldOf<MeAnswer>(res, 'me');
    expect(me.id).toBe('u-1');
    expect(me.name).toBeNull();
    expect(me.orders.edges).toHaveLength(2);
    expect(res.body.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      service: 'user',
    });
  });

  it('product service that never answers: every request answers, and no more than the capacity of calls is ever in flight', async () => {
    const capacity = 4;
    await using web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
      env: {
        PRODUCT_TIMEOUT_MS: '300',
        UPSTREAM_CAPACITY: String(capacity),
        BREAKER_VOLUME_THRESHOLD: '1000',
      },
    });
    // Ten minutes: a request that waited for the service would never answer, so every request
    // answering proves the deadline without a clock in the test.
    await web.fault('product', { mode: 'latency', latencyMs: 600_000 });
    await web.resetCalls('product');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        web.gql('/graphql', `{ me { id } product(id: "p-${i + 1}") { id } }`, WEB_USER),
      ),
    );
    for (const res of answers) {
      expect(res.body.data).toEqual({ me: { id: 'u-1' }, product: null });
      expect(res.body.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    }
    // Each slot frees when its call times out; calls beyond the capacity are refused at once
    // rather than queued, so the service never had more than `capacity` of them at once.
    const { maxInFlight } = await web.concurrency('product');
    expect(maxInFlight).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(capacity);
  });
  it("one user's aliased flood holds only its share of the slow order service: another user's cold reads answer fresh meanwhile, and the breaker stays closed", async () => {
    await using web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
    });
    const attacker = { surface: 'web', userId: 'u-1' } as const;
    const victim = { surface: 'web', userId: 'u-5' } as const;
    // Thirty page sizes are thirty order calls: the loaders merge only identical keys.
    const aliases = Array.from(
      { length: 30 },
      (_, i) => `a${i}: me { orders(first: ${i + 1}) { edges { node { id } } } }`,
    );
    const flood = `{ ${aliases.join(' ')} }`;
    // A slow but healthy service: each call holds its slot a quarter of a second.
    await web.fault('order', { mode: 'latency', latencyMs: 250 });
    await web.resetCalls('order');

    // Sixteen requests in flight at once, as the edge allows one user, kept up until the end.
    let flooding = true;
    const floods = Array.from({ length: 16 }, async () => {
      while (flooding) await web.gql('/graphql', flood, attacker);
    });
    const share = DEFAULT_UPSTREAM_POLICY.callerShare;
    try {
      await waitUntil('the flood at the order service', async () => {
        return (await web.concurrency('order')).inFlight >= share;
      });
      // Page sizes no one read before: no stale value could stand in for a refused call.
      for (const first of [41, 42, 43]) {
        const read = await web.gql(
          '/graphql',
          `{ me { orders(first: ${first}) { edges { node { id } } } } }`,
          victim,
        );
        expect(read.body.errors).toBeUndefined();
        expect(read.body.extensions).toBeUndefined();
        expect(fieldOf<{ orders: unknown }>(read, 'me').orders).toEqual({
          edges: expect.any(Array),
        });
      }
    } finally {
      flooding = false;
      await Promise.all(floods);
    }
    // The attacker's share plus the victim's one call at a time; before, all 128 slots.
    expect((await web.concurrency('order')).maxInFlight).toBeLessThanOrEqual(share + 1);
    expect(web.bff.clients.upstreams.order.state()).toBe('closed');
  });
});
