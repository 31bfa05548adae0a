import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

/** The Node release package.json pins (devDependency `node`), which `npm test` runs on. */
const PINNED_NODE: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).devDependencies.node;

/** The code of the first GraphQL error in an answer body. */
function firstCode(body: unknown): unknown {
  return (body as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code;
}

const WEB_ME = `{
  me { id name email orders(first: 5) { edges { node { id status total { amountCents currency }
    items { quantity product { id name price { amountCents currency } } } } }
    pageInfo { hasNextPage endCursor } } }
}`;

describe('walking skeleton through every layer', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ envFor: { 'services-mock': { LOG_LEVEL: 'info' } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('web: me with orders, items and products comes back through the gateway', async () => {
    const token = await stack.token('web', 'u-1');
    const res = await stack.gql('/web/graphql', WEB_ME, {
      token,
      headers: { 'x-request-id': 'e2e-skeleton-web-1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('e2e-skeleton-web-1');
    const me = res.body.data.me;
    expect(me.id).toBe('u-1');
    expect(me.orders.edges).toHaveLength(5);
    const firstItem = me.orders.edges[0].node.items[0];
    expect(firstItem.product.name).toEqual(expect.any(String));
    expect(firstItem.product.price.currency).toBe('USD');
  });

  it('the request id reaches the services', async () => {
    const logs = stack.processes.get('services-mock')?.logs() ?? [];
    expect(logs.some((line) => line.includes('"reqId":"e2e-skeleton-web-1"'))).toBe(true);
  });

  it('mobile: home comes back in one round trip', async () => {
    const token = await stack.token('mobile', 'u-2');
    const res = await stack.gql(
      '/mobile/graphql',
      '{ home { userName recentOrders { id status total { amountCents currency } itemCount updatedAt } } }',
      { token },
    );
    expect(res.status).toBe(200);
    expect(res.body.data.home.userName).toEqual(expect.any(String));
    expect(res.body.data.home.recentOrders.length).toBeGreaterThan(0);
  });

  it('partner v1: orders of the key’s partner', async () => {
    const apiKey = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v1'],
      tier: 'pro',
    });
    const res = await stack.gql('/partner/v1/graphql', '{ orders(first: 3) { id status } }', {
      apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.orders).toHaveLength(3);
  });

  it('malformed JSON returns 400 BAD_REQUEST, not a 500', async () => {
    const token = await stack.token('web', 'u-1');
    const res = await fetch(`${stack.urls.gateway}/web/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    expect(firstCode(await res.json())).toBe('BAD_REQUEST');
  });

  it('a BFF called without the edge identity returns 401 UNAUTHENTICATED', async () => {
    const res = await fetch(`${stack.urls.bffWeb}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(401);
    expect(firstCode(await res.json())).toBe('UNAUTHENTICATED');
  });

  it('every process answers healthz, readyz and Prometheus metrics', async () => {
    const urls = [
      stack.urls.gateway,
      stack.urls.bffWeb,
      stack.urls.bffMobile,
      stack.urls.bffPartner,
      stack.urls.saga,
      ...Object.values(stack.urls.mock),
    ];
    for (const url of urls) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('process_cpu_seconds_total');
    }
  });

  it('runs on the pinned Node release: the test runner and every process it starts', async () => {
    expect(process.versions.node).toBe(PINNED_NODE);
    const metrics = await (await fetch(`${stack.urls.gateway}/metrics`)).text();
    expect(metrics).toContain(`nodejs_version_info{version="v${PINNED_NODE}"`);
  });

  it('gateway metrics: requests by surface, operation and code, refusals by reason, partner requests and cost', async () => {
    const token = await stack.token('web', 'u-1');
    // The operation label is the operationName clients send (Apollo clients always do).
    await fetch(`${stack.urls.gateway}/web/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query SkeletonMe { me { id } }',
        operationName: 'SkeletonMe',
      }),
    });
    await stack.gql('/web/graphql', '{ me { id } }', { token: 'not-a-token' });
    const metrics = await (await fetch(`${stack.urls.gateway}/metrics`)).text();
    expect(metrics).toMatch(
      /edge_request_duration_seconds_count\{[^}]*surface="web",operation="SkeletonMe",code="OK"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/edge_refusals_total\{[^}]*surface="web",reason="UNAUTHENTICATED"/);
    // From the partner test above: one request by partner-acme, charged its GraphQL cost.
    expect(metrics).toMatch(
      /edge_partner_requests_total\{[^}]*partner="partner-acme"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/edge_partner_cost_total\{[^}]*partner="partner-acme"[^}]*\} [1-9]/);
  });

  it('one user cannot take the operation labels: past 5 new names of its own, its names count as __other', async () => {
    const token = await stack.token('web', 'u-77');
    for (let i = 1; i <= 6; i++) {
      const res = await fetch(`${stack.urls.gateway}/web/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `query Named${i} { me { id } }`,
          operationName: `Named${i}`,
        }),
      });
      expect(res.status).toBe(200);
    }
    const metrics = await (await fetch(`${stack.urls.gateway}/metrics`)).text();
    expect(metrics).toMatch(/surface="web",operation="Named5",code="OK"/);
    expect(metrics).not.toContain('operation="Named6"');
  });
});
