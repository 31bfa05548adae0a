import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/product-audit';
import type { ProductEventSink } from '../src/product-event-publisher';
import type { ServicesMock } from '../src/services-mock';
import type { Order, Product } from '../src/types';
import { useServicesMock } from './mock-fixture';
import { call } from './test-client';

type Published = Parameters<ProductEventSink['change']>;

let mock: ServicesMock;
const published: Published[] = [];
let snapshots = 0;
const sink: ProductEventSink = {
  change: async (...event) => {
    published.push(event);
    return true;
  },
  snapshot: async () => {
    snapshots += 1;
    return true;
  },
  heartbeat: async () => true,
  close: async () => {},
};

useServicesMock(
  (started) => {
    mock = started;
  },
  { productEvents: sink },
);

beforeEach(() => {
  published.length = 0;
});

const product = async (id: string) =>
  (await call<Product>(`${mock.urls.product}/products/${id}`)).body;
const setPrice = (id: string, body: Record<string, unknown>) =>
  call<Product & { error?: Record<string, unknown> }>(`${mock.urls.product}/products/${id}/price`, {
    body,
  });
const setStock = (id: string, body: Record<string, unknown>) =>
  call<Product & { error?: Record<string, unknown> }>(`${mock.urls.product}/products/${id}/stock`, {
    body,
  });
const who = { actor: 'ops@example.com', reason: 'autumn sale' };

describe('product commands', () => {
  it('a price change with the current version bumps the version, audits and publishes', async () => {
    const before = await product('p-1');
    expect(before.version).toBe(1);
    const changed = await setPrice('p-1', { priceCents: 1234, expectedVersion: 1, ...who });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: 'p-1', priceCents: 1234, version: 2 });
    const audit = await call<{ version: number; entries: AuditEntry[] }>(
      `${mock.urls.product}/products/p-1/audit`,
    );
    expect(audit.body.version).toBe(2);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        version: 2,
        type: 'product_price_changed',
        ...who,
        changes: { priceCents: { from: before.priceCents, to: 1234 } },
      }),
    ]);
    expect(published.map(([type, p]) => [type, p.id, p.version, p.priceCents])).toEqual([
      ['product_price_changed', 'p-1', 2, 1234],
    ]);
  });

  it('a stale expectedVersion returns 409 CONFLICT and changes nothing', async () => {
    await setPrice('p-2', { priceCents: 500, expectedVersion: 1, ...who });
    const stale = await setPrice('p-2', { priceCents: 900, expectedVersion: 1, ...who });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({
      code: 'CONFLICT',
      reason: 'version_mismatch',
      expectedVersion: 1,
      currentVersion: 2,
    });
    expect(await product('p-2')).toMatchObject({ priceCents: 500, version: 2 });
    expect(published).toHaveLength(1);
  });

  it('of two concurrent commands on one version exactly one wins', async () => {
    const answers = await Promise.all(
      [100, 200, 300, 400].map((priceCents) =>
        setPrice('p-3', { priceCents, expectedVersion: 1, ...who }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    expect((await product('p-3')).version).toBe(2);
  });

  it('stock takes a delta or an absolute value, never below zero', async () => {
    const start = await product('p-4');
    const added = await setStock('p-4', { delta: 5, expectedVersion: 1, ...who });
    expect(added.body).toMatchObject({ stock: start.stock + 5, version: 2 });
    const set = await setStock('p-4', { stock: 7, expectedVersion: 2, ...who });
    expect(set.body).toMatchObject({ stock: 7, version: 3 });
    const negative = await setStock('p-4', { delta: -8, expectedVersion: 3, ...who });
    expect(negative.status).toBe(409);
    expect(negative.body.error).toMatchObject({ reason: 'stock_out_of_range' });
    const both = await setStock('p-4', { delta: 1, stock: 1, expectedVersion: 3, ...who });
    expect(both.status).toBe(400);
  });

  it('a command without actor or reason, or with a bad price, answers 400 BAD_REQUEST', async () => {
    for (const body of [
      { priceCents: 100, expectedVersion: 1, actor: 'a' },
      { priceCents: 100, expectedVersion: 1, reason: 'r' },
      { priceCents: 0, expectedVersion: 1, ...who },
      { priceCents: 1.5, expectedVersion: 1, ...who },
      { priceCents: 100, ...who },
    ]) {
      expect((await setPrice('p-5', body)).status).toBe(400);
    }
    expect((await setPrice('p-nope', { priceCents: 1, expectedVersion: 1, ...who })).status).toBe(
      404,
    );
    expect(published).toHaveLength(0);
  });

  it('POST /products creates p-401 at version 1, once per idempotency key', async () => {
    const body = {
      idempotencyKey: 'new-1',
      name: 'Brass Lamp',
      priceCents: 4999,
      stock: 3,
      ...who,
    };
    const first = await call<Product>(`${mock.urls.product}/products`, { body });
    const again = await call<Product>(`${mock.urls.product}/products`, { body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: 'p-401', version: 1, priceCents: 4999, stock: 3 });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(published.map(([type, p]) => [type, p.id])).toEqual([['product_created', 'p-401']]);
  });

  it('reservations move stock through the write model: version, audit and event', async () => {
    const before = await product('p-6');
    const reserved = await call(`${mock.urls.inventory}/reservations`, {
      body: { idempotencyKey: 'r-k', orderId: 'o-1', items: [{ productId: 'p-6', quantity: 2 }] },
    });
    expect(reserved.status).toBe(201);
    expect(await product('p-6')).toMatchObject({ stock: before.stock - 2, version: 2 });
    expect(published.map(([type, p, actor]) => [type, p.id, actor])).toEqual([
      ['product_stock_changed', 'p-6', 'inventory'],
    ]);
  });

  it('a reset announces a new snapshot of the catalogue', () => {
    const seen = snapshots;
    mock.reset();
    expect(snapshots).toBe(seen + 1);
  });
});

describe('money reads the write model', () => {
  it('an order created after a price change is priced at the new price, never a stale one', async () => {
    const old = await product('p-7');
    await setPrice('p-7', { priceCents: old.priceCents + 1000, expectedVersion: 1, ...who });
    const order = await call<Order>(`${mock.urls.order}/orders`, {
      body: { idempotencyKey: 'o-k', userId: 'u-1', items: [{ productId: 'p-7', quantity: 3 }] },
    });
    expect(order.status).toBe(201);
    expect(order.body.items[0]?.unitPriceCents).toBe(old.priceCents + 1000);
    expect(order.body.totalCents).toBe((old.priceCents + 1000) * 3);
  });
});
