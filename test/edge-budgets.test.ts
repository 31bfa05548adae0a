import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

/** Small request limits so a test reaches them in a few calls; budgets stay at their defaults. */
const PARTNER_FREE_REQUESTS = 5;
const ANONYMOUS_REQUESTS = 3;

describe('budgets through the real stack: cost however written, refusals and 429s, mutations', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({
      envFor: {
        gateway: {
          RATE_LIMIT_PARTNER_FREE: String(PARTNER_FREE_REQUESTS),
          RATE_LIMIT_ANONYMOUS: String(ANONYMOUS_REQUESTS),
          // The test's requests come from loopback, as an Ingress's would in a cluster.
          TRUSTED_PROXIES: 'loopback',
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const key = (tier: 'free' | 'pro') =>
    stack.partnerKey({ partnerId: 'partner-acme', versions: ['v1', 'v2'], tier });

  it('the same partner operation costs the same inline, with variables, and in named or inline fragments', async () => {
    const apiKey = await key('pro');
    const forms: [string, Record<string, unknown> | undefined][] = [
      ['{ orders(first: 5) { id items { productId } } }', undefined],
      ['query Q($n: Int) { orders(first: $n) { id items { productId } } }', { n: 5 }],
      [
        'query Q($n: Int = 5) { orders(first: $n) { ...F } } fragment F on PartnerOrder { id items { productId } }',
        undefined,
      ],
      ['{ orders(first: 5) { ... on PartnerOrder { id items { productId } } } }', undefined],
    ];
    const costs: number[] = [];
    for (const [query, variables] of forms) {
      const res = await stack.gql('/partner/v2/graphql', query, { apiKey }, variables);
      expect(res.status).toBe(200);
      costs.push(res.body.extensions.cost.requestedQueryCost);
    }
    // 5 orders x (order 1 + 10 items x 1)
    expect(costs).toEqual([55, 55, 55, 55]);
  });

  it('a page size sent as null is priced at the page the BFF serves for it, not the operation default it overrides', async () => {
    const apiKey = await key('pro');
    const fields = '{ id items { productId } }';
    const priced = async (query: string, variables?: Record<string, unknown>) =>
      (await stack.gql('/partner/v2/graphql', query, { apiKey }, variables)).body.extensions.cost
        .requestedQueryCost;
    const defaulted = `query Q($n: Int = 1) { orders(first: $n) ${fields} }`;
    expect(await priced(defaulted)).toBe(11);
    // Null overrides `= 1` at execution and the BFF serves its default page of 10: 10 x 11.
    expect(await priced(defaulted, { n: null })).toBe(110);
    expect(await priced(`query Q($n: Int) { orders(first: $n) ${fields} }`, {})).toBe(110);
    expect(await priced(`{ orders(first: null) ${fields} }`)).toBe(110);
  });

  it('a page size from a variable or under a named fragment is held to the cost limit like a literal', async () => {
    const token = await stack.token('web', 'u-3');
    const inner = 'edges { node { items { product { id } } } }';
    const forms: [string, Record<string, unknown> | undefined][] = [
      [`{ me { orders(first: 250) { ${inner} } } }`, undefined],
      [`query Q($n: Int) { me { orders(first: $n) { ${inner} } } }`, { n: 250 }],
      [
        `{ me { orders(first: 250) { ...E } } } fragment E on OrderConnection { ${inner} }`,
        undefined,
      ],
    ];
    for (const [query, variables] of forms) {
      const res = await stack.gql('/web/graphql', query, { token }, variables);
      expect(res.status).toBe(400);
      // me 1 + orders 1 + 250 x (edge 1 + node 1 + 10 items x (item 1 + product 1))
      expect(res.body.errors[0].extensions).toEqual({
        code: 'QUERY_TOO_COMPLEX',
        limit: 'cost',
        max: 5000,
        actual: 5502,
      });
    }
  });

  it('refused requests count against the caller: after the limit in refusals, a valid request is 429', async () => {
    const apiKey = await key('free');
    for (let i = 0; i < PARTNER_FREE_REQUESTS; i++) {
      const refused = await stack.gql('/partner/v2/graphql', '{ orders { nope } }', { apiKey });
      expect(refused.status).toBe(400);
    }
    const valid = await stack.gql('/partner/v2/graphql', '{ orders(first: 1) { id } }', {
      apiKey,
    });
    expect(valid.status).toBe(429);
    expect(valid.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('a 429 spends nothing: the cost budget is what the served requests spent', async () => {
    const apiKey = await key('free');
    const query = '{ orders(first: 2) { id items { productId } } }'; // 2 x 11 = 22
    for (let i = 0; i < PARTNER_FREE_REQUESTS; i++) {
      expect((await stack.gql('/partner/v2/graphql', query, { apiKey })).status).toBe(200);
    }
    for (let i = 0; i < 3; i++) {
      expect((await stack.gql('/partner/v2/graphql', query, { apiKey })).status).toBe(429);
    }
    // The cost budget is per key across versions, the request limit per version.
    const other = await stack.gql('/partner/v1/graphql', query, { apiKey });
    expect(other.status).toBe(200);
    expect(other.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(
      1000 - 22 * (PARTNER_FREE_REQUESTS + 1),
    );
  });

  it('aliased mutations count one request each: more placeOrder than the limit is 429, nothing placed', async () => {
    const apiKey = await key('free');
    const aliases = Array.from(
      { length: PARTNER_FREE_REQUESTS + 1 },
      (_, i) =>
        `p${i}: placeOrder(input: { idempotencyKey: "${randomUUID()}", customerId: "u-251", items: [{ productId: "p-1", quantity: 1 }] }) { id }`,
    );
    await stack.mock.resetCalls('order');
    const res = await stack.gql('/partner/v2/graphql', `mutation { ${aliases.join(' ')} }`, {
      apiKey,
    });
    expect(res.status).toBe(429);
    expect(await stack.mock.calls('order')).toEqual({});
    // The refused operation spent nothing: as many single mutations as the limit still pass.
    const one = await stack.gql(
      '/partner/v2/graphql',
      `mutation { ${aliases.slice(0, PARTNER_FREE_REQUESTS).join(' ')} }`,
      { apiKey },
    );
    expect(one.status).toBe(200);
    expect(one.body.errors).toBeUndefined();
  });

  it('a user has a budget of mutations (60 a minute, web and mobile together) inside its request limit; queries still pass', async () => {
    const user = 'u-41';
    const tokens = [await stack.token('web', user), await stack.token('mobile', user)];
    const paths = ['/web/graphql', '/mobile/graphql'];
    // Ten placeOrder each, refused by the BFF (quantity 0): counted at the edge, nothing placed.
    const tenOrders = () =>
      `mutation { ${Array.from(
        { length: 10 },
        (_, i) =>
          `p${i}: placeOrder(input: { idempotencyKey: "${randomUUID()}", items: [{ productId: "p-1", quantity: 0 }] }) { id }`,
      ).join(' ')} }`;
    for (let i = 0; i < 6; i++) {
      const res = await stack.gql(paths[i % 2] ?? '', tenOrders(), { token: tokens[i % 2] });
      expect(res.status, JSON.stringify(res.body)).not.toBe(429);
    }
    const refused = await stack.gql('/web/graphql', tenOrders(), { token: tokens[0] });
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(refused.headers.get('ratelimit')).toMatch(/"mutations";r=0/);
    const query = await stack.gql('/web/graphql', '{ me { id } }', { token: tokens[0] });
    expect(query.status).toBe(200);
  });

  it('a valid key passes from an address whose anonymous limit is spent by failed keys', async () => {
    for (let i = 0; i < ANONYMOUS_REQUESTS; i++) {
      const bad = await stack.gql('/partner/v1/graphql', '{ orders { id } }', { apiKey: 'nope' });
      expect(bad.status).toBe(401);
    }
    const limited = await stack.gql('/partner/v1/graphql', '{ orders { id } }', {
      apiKey: 'nope',
    });
    expect(limited.status).toBe(429);
    const valid = await stack.gql('/partner/v1/graphql', '{ orders(first: 1) { id } }', {
      apiKey: await key('pro'),
    });
    expect(valid.status).toBe(200);
  });

  it('behind a trusted proxy failed sign-ins are counted per client it forwards for: one client spending its limit does not lock out the others', async () => {
    const statusFrom = async (forwardedFor: string) =>
      (
        await stack.gql('/partner/v1/graphql', '{ orders { id } }', {
          apiKey: 'nope',
          headers: { 'x-forwarded-for': forwardedFor },
        })
      ).status;
    for (let i = 0; i < ANONYMOUS_REQUESTS; i++) expect(await statusFrom('198.51.100.1')).toBe(401);
    expect(await statusFrom('198.51.100.1')).toBe(429);
    // Another client behind the same proxy still gets its own 401, not the first one's 429.
    expect(await statusFrom('198.51.100.2')).toBe(401);
    // A forged hop to the left of the client's own is not believed: same client, same bucket.
    expect(await statusFrom('203.0.113.9, 198.51.100.1')).toBe(429);
  });

  it('a valid key probing a version it lacks is counted like a failed sign-in', async () => {
    const v2Only = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v2'],
      tier: 'pro',
    });
    const probe = { apiKey: v2Only, headers: { 'x-forwarded-for': '198.51.100.3' } };
    for (let i = 0; i < ANONYMOUS_REQUESTS; i++) {
      const refused = await stack.gql('/partner/v1/graphql', '{ orders { id } }', probe);
      expect(refused.status).toBe(403);
    }
    const limited = await stack.gql('/partner/v1/graphql', '{ orders { id } }', probe);
    expect(limited.status).toBe(429);
  });
});
