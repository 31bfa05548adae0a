import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

describe('partner isolation through the gateway', () => {
  let stack: TestStack;
  let acme: string;
  let globex: string;
  beforeAll(async () => {
    stack = await startTestStack();
    acme = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v1', 'v2'],
      tier: 'pro',
    });
    globex = await stack.partnerKey({
      partnerId: 'partner-globex',
      versions: ['v1', 'v2'],
      tier: 'pro',
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const ids = async (apiKey: string, version: 'v1' | 'v2'): Promise<string[]> => {
    const res = await stack.gql(`/partner/${version}/graphql`, '{ orders(first: 100) { id } }', {
      apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    return res.body.data.orders.map((o: { id: string }) => o.id);
  };

  it("a key for partner A never sees partner B's orders, through v1 or v2", async () => {
    for (const version of ['v1', 'v2'] as const) {
      const a = await ids(acme, version);
      const b = await ids(globex, version);
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
      expect(a.filter((id) => b.includes(id))).toEqual([]);
      const res = await fetch(`${stack.urls.mock.order}/orders?ids=${a.join(',')}`);
      const { items } = (await res.json()) as { items: { partnerId: string }[] };
      expect(new Set(items.map((o) => o.partnerId))).toEqual(new Set(['partner-acme']));
    }
  });

  it("order(id) of another partner's order is null, through v1 and v2", async () => {
    const [theirs] = await ids(globex, 'v2');
    for (const version of ['v1', 'v2'] as const) {
      const query = `{ order(id: "${theirs}") { id status } }`;
      const res = await stack.gql(`/partner/${version}/graphql`, query, { apiKey: acme });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ order: null });
      expect(res.body.errors).toBeUndefined();
      const own = await stack.gql(`/partner/${version}/graphql`, query, { apiKey: globex });
      expect(own.body.data.order.id).toBe(theirs);
    }
  });

  it('v1 and v2 answer the same order in their own shapes', async () => {
    const [id] = await ids(acme, 'v1');
    const v1 = await stack.gql(
      '/partner/v1/graphql',
      `{ order(id: "${id}") { totalCents currency createdAt } }`,
      { apiKey: acme },
    );
    const v2 = await stack.gql(
      '/partner/v2/graphql',
      `{ order(id: "${id}") { total { amountCents currency } placedAt } }`,
      { apiKey: acme },
    );
    expect(v2.body.data.order).toEqual({
      total: { amountCents: v1.body.data.order.totalCents, currency: v1.body.data.order.currency },
      placedAt: v1.body.data.order.createdAt,
    });
  });

  it("v1 customerEmail is the partner's own customer's, and null for a platform user", async () => {
    const [own] = await ids(acme, 'v1');
    // An order recorded for a platform user under the partner (as one placed before customers
    // were scoped to partners): the partner still sees its order, never the user's email.
    const created = await fetch(`${stack.urls.mock.order}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: randomUUID(),
        userId: 'u-1',
        partnerId: 'partner-acme',
        items: [{ productId: 'p-1', quantity: 1 }],
      }),
    });
    const legacy = ((await created.json()) as { id: string }).id;
    const email = async (id: string | undefined) =>
      (
        await stack.gql('/partner/v1/graphql', `{ order(id: "${id}") { id customerEmail } }`, {
          apiKey: acme,
        })
      ).body.data.order;
    expect((await email(own)).customerEmail).toMatch(/@example\.com$/);
    expect(await email(legacy)).toEqual({ id: legacy, customerEmail: null });
  });
});
