import { fieldOf, startTestBff, type TestBff } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mobileSchema } from '../src/mobile-schema';

const MOBILE_USER = { surface: 'mobile', userId: 'u-38' } as const;

const HOME = `{ home { userName
  recentOrders { id status total { amountCents currency } itemCount updatedAt }
  buyAgain { id name price { amountCents currency } } } }`;

describe('bff-mobile', () => {
  let mobile: TestBff;
  beforeAll(async () => {
    mobile = await startTestBff({ name: 'bff-mobile', schemas: () => [mobileSchema()] });
  });
  afterAll(async () => {
    await mobile?.close();
  });

  it('home comes back in one round trip with one call per service', async () => {
    for (const s of ['order', 'product', 'user'] as const) await mobile.resetCalls(s);
    const res = await mobile.gql('/graphql', HOME, MOBILE_USER);
    expect(res.body.errors).toBeUndefined();
    const home = fieldOf<{
      userName: string;
      recentOrders: { itemCount: number; total: { amountCents: number } }[];
      buyAgain: unknown[];
    }>(res, 'home');
    expect(home.userName).toEqual(expect.any(String));
    expect(home.recentOrders).toHaveLength(5);
    expect(home.recentOrders.every((o) => o.itemCount >= 1)).toBe(true);
    expect(home.buyAgain.length).toBeGreaterThan(0);
    expect(await mobile.calls('order')).toEqual({ 'GET /orders': 1 });
    expect(await mobile.calls('product')).toEqual({ 'GET /products': 1 });
    expect(await mobile.calls('user')).toEqual({ 'GET /users': 1 });
  });

  it('order service down: the home screen still shows the user, orders are null with UPSTREAM_UNAVAILABLE', async () => {
    await using down = await startTestBff({ name: 'bff-mobile', schemas: () => [mobileSchema()] });
    await down.fault('order', { mode: 'error', status: 503 });
    const res = await down.gql('/graphql', HOME, MOBILE_USER);
    expect(res.status).toBe(200);
    const home = fieldOf<Record<string, unknown>>(res, 'home');
    expect(home['userName']).toEqual(expect.any(String));
    expect(home['recentOrders']).toBeNull();
    expect(home['buyAgain']).toBeNull();
    expect(res.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', service: 'order' },
      { code: 'UPSTREAM_UNAVAILABLE', service: 'order' },
    ]);
    // Both fields share one read of the recent orders.
    expect(await down.calls('order')).toEqual({ 'GET /orders': 1 });
  });
});
