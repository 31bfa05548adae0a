import { describe, expect, it } from 'vitest';
import type { ServicesMock } from '../src/services-mock';
import type { Order, Product, User } from '../src/types';
import { useServicesMock } from './mock-fixture';
import { call } from './test-client';

let mock: ServicesMock;

useServicesMock(
  (started) => {
    mock = started;
  },
  { resetEach: false },
);

describe('read endpoints', () => {
  it('GET /orders/:id answers the seeded order', async () => {
    const res = await call<Order>(`${mock.urls.order}/orders/o-1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'o-1', partnerId: null, currency: 'USD' });
  });

  it('batch of ids answers the known ones in order and leaves unknown ones out', async () => {
    const res = await call<{ items: Order[] }>(
      `${mock.urls.order}/orders?ids=o-2,o-999999,o-1,o-2`,
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((o) => o.id)).toEqual(['o-2', 'o-1']);
    const users = await call<{ items: User[] }>(`${mock.urls.user}/users?ids=u-3,nope`);
    expect(users.body.items.map((u) => u.id)).toEqual(['u-3']);
    const products = await call<{ items: Product[] }>(`${mock.urls.product}/products?ids=p-400`);
    expect(products.body.items.map((p) => p.id)).toEqual(['p-400']);
  });

  it('more than 500 ids answers 400 BAD_REQUEST', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `u-${i + 1}`).join(',');
    const res = await call(`${mock.urls.user}/users?ids=${ids}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('paginates a user’s orders newest first until nextCursor is null', async () => {
    const seen: Order[] = [];
    let after: string | null = null;
    do {
      const query: string = after === null ? '' : `&after=${after}`;
      const res = await call<{ items: Order[]; nextCursor: string | null }>(
        `${mock.urls.order}/orders?userId=u-1&first=3${query}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items);
      after = res.body.nextCursor;
    } while (after !== null);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((o) => o.userId === 'u-1')).toBe(true);
    const times = seen.map((o) => o.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(new Set(seen.map((o) => o.id)).size).toBe(seen.length);
  });

  it('lists a partner’s orders, all of them its own', async () => {
    const res = await call<{ items: Order[]; nextCursor: string | null }>(
      `${mock.urls.order}/orders?partnerId=partner-acme&first=50`,
    );
    expect(res.body.items).toHaveLength(50);
    expect(res.body.items.every((o) => o.partnerId === 'partner-acme')).toBe(true);
    expect(res.body.nextCursor).not.toBeNull();
  });

  it('a cursor that names no order answers 400 BAD_REQUEST', async () => {
    const res = await call(`${mock.urls.order}/orders?userId=u-1&after=bm9wZQ`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('a page size of 0 or 1000 answers 400 BAD_REQUEST', async () => {
    for (const first of ['0', '1000', 'x']) {
      const res = await call(`${mock.urls.order}/orders?userId=u-1&first=${first}`);
      expect(res.status).toBe(400);
    }
  });

  it('search finds products by name, at most `first`', async () => {
    const res = await call<{ items: Product[] }>(
      `${mock.urls.product}/products?search=LAMP&first=4`,
    );
    expect(res.body.items).toHaveLength(4);
    expect(res.body.items.every((p) => /lamp/i.test(p.name))).toBe(true);
  });

  it('unknown id answers 404 NOT_FOUND as JSON on every service', async () => {
    const urls = [
      `${mock.urls.order}/orders/o-0`,
      `${mock.urls.product}/products/p-0`,
      `${mock.urls.user}/users/u-0`,
      `${mock.urls.inventory}/reservations/r-0`,
      `${mock.urls.payment}/charges/ch-0`,
      `${mock.urls.shipping}/shipments/s-0`,
    ];
    for (const url of urls) {
      const res = await call(url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });
});
