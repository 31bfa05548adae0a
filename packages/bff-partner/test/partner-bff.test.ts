import type { Identity } from '@edge/common';
import { fieldOf, startTestBff, type TestBff } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerSchemas } from '../src/partner-schemas';

const partner = (partnerId: string, version: 'v1' | 'v2'): Identity => ({
  surface: 'partner',
  partnerId,
  keyId: `key-${partnerId}`,
  tier: 'pro',
  version,
});

const ACME = 'partner-acme';
const GLOBEX = 'partner-globex';

describe('bff-partner', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ name: 'bff-partner', schemas: () => partnerSchemas() });
  });
  afterAll(async () => {
    await bff?.close();
  });

  const orderIds = async (partnerId: string, version: 'v1' | 'v2') => {
    const res = await bff.gql(
      `/${version}/graphql`,
      '{ orders(first: 100) { id } }',
      partner(partnerId, version),
    );
    expect(res.body.errors).toBeUndefined();
    return fieldOf<{ id: string }[]>(res, 'orders').map((o) => o.id);
  };

  it("partner A never sees partner B's orders, through v1 or v2", async () => {
    for (const version of ['v1', 'v2'] as const) {
      const acme = await orderIds(ACME, version);
      const globex = await orderIds(GLOBEX, version);
      expect(acme.length).toBeGreaterThan(0);
      expect(globex.length).toBeGreaterThan(0);
      expect(acme.filter((id) => globex.includes(id))).toEqual([]);
      // Ground truth from the order service: every order listed belongs to the caller.
      const res = await fetch(`${bff.mock.urls.order}/orders?ids=${acme.join(',')}`);
      const { items } = (await res.json()) as { items: { partnerId: string }[] };
      expect(new Set(items.map((o) => o.partnerId))).toEqual(new Set([ACME]));
    }
  });

  it("order(id) of another partner's order is null, in v1 and v2", async () => {
    const [globexOrder] = await orderIds(GLOBEX, 'v2');
    for (const version of ['v1', 'v2'] as const) {
      const query = `{ order(id: "${globexOrder}") { id } }`;
      const theirs = await bff.gql(`/${version}/graphql`, query, partner(ACME, version));
      expect(theirs.body).toEqual({ data: { order: null } });
      const own = await bff.gql(`/${version}/graphql`, query, partner(GLOBEX, version));
      expect(own.body).toEqual({ data: { order: { id: globexOrder } } });
    }
  });

  it('a user order is invisible to partners', async () => {
    const res = await bff.gql('/v2/graphql', '{ order(id: "o-1") { id } }', partner(ACME, 'v2'));
    expect(res.body).toEqual({ data: { order: null } });
  });

  it('v1 and v2 show the same order in their own shapes', async () => {
    const [id] = await orderIds(ACME, 'v1');
    const v1 = await bff.gql(
      '/v1/graphql',
      `{ order(id: "${id}") { id totalCents currency createdAt customerEmail items { productId unitPriceCents } } }`,
      partner(ACME, 'v1'),
    );
    const v2 = await bff.gql(
      '/v2/graphql',
      `{ order(id: "${id}") { id total { amountCents currency } placedAt items { productId unitPrice { amountCents currency } } } }`,
      partner(ACME, 'v2'),
    );
    expect(v1.body.errors).toBeUndefined();
    expect(v2.body.errors).toBeUndefined();
    const o1 = fieldOf<{
      totalCents: number;
      currency: string;
      createdAt: string;
      customerEmail: string;
      items: { unitPriceCents: number }[];
    }>(v1, 'order');
    const o2 = fieldOf<{
      total: { amountCents: number; currency: string };
      placedAt: string;
      items: { unitPrice: { amountCents: number } }[];
    }>(v2, 'order');
    expect(o2.total).toEqual({ amountCents: o1.totalCents, currency: o1.currency });
    expect(o2.placedAt).toBe(o1.createdAt);
    expect(o1.customerEmail).toContain('@');
    expect(o2.items.map((i) => i.unitPrice.amountCents)).toEqual(
      o1.items.map((i) => i.unitPriceCents),
    );
  });

  it('customerEmail is deprecated in v1 and gone in v2', async () => {
    const introspect = `{ __type(name: "PartnerOrder") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }`;
    const v1 = await bff.gql('/v1/graphql', introspect, partner(ACME, 'v1'));
    const fields = fieldOf<{ fields: { name: string; isDeprecated: boolean }[] }>(
      v1,
      '__type',
    ).fields;
    expect(fields.find((f) => f.name === 'customerEmail')?.isDeprecated).toBe(true);
    const v2 = await bff.gql('/v2/graphql', '{ orders { customerEmail } }', partner(ACME, 'v2'));
    expect(v2.status).toBe(400);
    expect(v2.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a web user calling the partner schema is refused before any resolver runs', async () => {
    const res = await bff.gql('/v2/graphql', '{ orders { id } }', {
      surface: 'web',
      userId: 'u-1',
    });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
  });
});
