import { describe, expect, it } from 'vitest';
import type { ServicesMock } from '../src/services-mock';
import type { Charge, Ledger, Order, Product, Refund, Reservation } from '../src/types';
import { useServicesMock } from './mock-fixture';
import { call } from './test-client';

let mock: ServicesMock;

useServicesMock((started) => {
  mock = started;
});

const charge = (idempotencyKey: string, amountCents = 1500, orderId = 'o-1') =>
  call<Charge>(`${mock.urls.payment}/charges`, {
    body: { idempotencyKey, orderId, amountCents, currency: 'USD' },
  });

const ledger = async () => (await call<Ledger>(`${mock.urls.payment}/__ledger`)).body;

describe('payment', () => {
  it('same idempotency key twice charges once and replays the same answer', async () => {
    const first = await charge('k-1');
    const second = await charge('k-1');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const book = await ledger();
    expect(book.orders['o-1']?.charges).toEqual([
      { id: first.body.id, idempotencyKey: 'k-1', amountCents: 1500 },
    ]);
    expect(book.totals).toEqual({ chargedCents: 1500, refundedCents: 0 });
  });

  it('concurrent requests with one key charge once', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => charge('k-race')));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await ledger()).orders['o-1']?.charges).toHaveLength(1);
  });

  it('same key with a different body answers 409 CONFLICT and charges nothing more', async () => {
    await charge('k-2', 1500);
    const res = await charge('k-2', 9900);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'CONFLICT' } });
    expect((await ledger()).totals.chargedCents).toBe(1500);
  });

  it('refund defaults to the full charge and lands in the ledger', async () => {
    const { body: ch } = await charge('k-3', 2500, 'o-7');
    const res = await call<Refund>(`${mock.urls.payment}/refunds`, {
      body: { idempotencyKey: 'r-3', chargeId: ch.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      chargeId: ch.id,
      orderId: 'o-7',
      amountCents: 2500,
      status: 'succeeded',
    });
    const book = await ledger();
    expect(book.orders['o-7']?.refunds).toEqual([
      { id: res.body.id, chargeId: ch.id, idempotencyKey: 'r-3', amountCents: 2500 },
    ]);
    expect(book.totals).toEqual({ chargedCents: 2500, refundedCents: 2500 });
  });

  it('refunding a fully refunded charge under another key answers 409 already_refunded', async () => {
    const { body: ch } = await charge('k-4');
    const first = await call<Refund>(`${mock.urls.payment}/refunds`, {
      body: { idempotencyKey: 'r-4a', chargeId: ch.id },
    });
    const again = await call(`${mock.urls.payment}/refunds`, {
      body: { idempotencyKey: 'r-4a', chargeId: ch.id },
    });
    const other = await call(`${mock.urls.payment}/refunds`, {
      body: { idempotencyKey: 'r-4b', chargeId: ch.id },
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({
      error: { code: 'CONFLICT', reason: 'already_refunded', refundId: first.body.id },
    });
    expect((await ledger()).totals.refundedCents).toBe(1500);
  });

  it('partial refunds add up to the charge and no further', async () => {
    const { body: ch } = await charge('k-5', 1000);
    const part = (key: string, amountCents: number) =>
      call(`${mock.urls.payment}/refunds`, {
        body: { idempotencyKey: key, chargeId: ch.id, amountCents },
      });
    expect((await part('p-1', 400)).status).toBe(201);
    const tooMuch = await part('p-2', 700);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({
      error: { reason: 'exceeds_refundable', refundableCents: 600 },
    });
    expect((await part('p-3', 600)).status).toBe(201);
    const charged = await call(`${mock.urls.payment}/charges/${ch.id}`);
    expect(charged.body).toMatchObject({ id: ch.id, refundedCents: 1000 });
  });

  it("a charge lists its refunds with their keys, which outlive the provider's key memory", async () => {
    const { body: ch } = await charge('k-6', 1000);
    const refund = () =>
      call(`${mock.urls.payment}/refunds`, {
        body: { idempotencyKey: 'r-6', chargeId: ch.id, amountCents: 100 },
      });
    expect((await refund()).status).toBe(201);
    expect((await refund()).headers.get('idempotent-replayed')).toBe('true');
    const expired = await call(`${mock.urls.payment}/__refunds/expire-keys`, { body: {} });
    expect(expired.status).toBe(204);
    // Forgotten: the same request is a second refund, which is why a saga looks first.
    expect((await refund()).headers.get('idempotent-replayed')).toBeNull();
    const found = await call(`${mock.urls.payment}/charges?idempotencyKey=k-6`);
    expect(found.body).toMatchObject({
      refundedCents: 200,
      refunds: [
        { amountCents: 100, idempotencyKey: 'r-6' },
        { amountCents: 100, idempotencyKey: 'r-6' },
      ],
    });
  });

  it('refund of an unknown charge answers 404 NOT_FOUND', async () => {
    const res = await call(`${mock.urls.payment}/refunds`, {
      body: { idempotencyKey: 'r-x', chargeId: 'ch-404' },
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('bad input', () => {
  it('malformed JSON answers 400 BAD_REQUEST as JSON', async () => {
    const res = await call(`${mock.urls.payment}/charges`, { rawBody: '{"idempotencyKey": ' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('missing fields or wrong types answer 400 BAD_REQUEST naming the field', async () => {
    const bodies: [string, unknown][] = [
      [`${mock.urls.payment}/charges`, { idempotencyKey: 'k', orderId: 'o-1', currency: 'USD' }],
      [
        `${mock.urls.payment}/charges`,
        { idempotencyKey: 'k', orderId: 'o-1', amountCents: '5', currency: 'USD' },
      ],
      [`${mock.urls.order}/orders`, { idempotencyKey: 'k', userId: 'u-1', items: [] }],
      [
        `${mock.urls.inventory}/reservations`,
        { orderId: 'o-1', items: [{ productId: 'p-1', quantity: 1 }] },
      ],
      [`${mock.urls.shipping}/shipments`, { idempotencyKey: '', orderId: 'o-1' }],
      [`${mock.urls.order}/orders/o-1/status`, { status: 'lost' }],
    ];
    for (const [url, body] of bodies) {
      const res = await call<{ error: { code: string; message: string } }>(url, { body });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      expect(res.body.error.message).toMatch(/Invalid body: \w+/);
    }
  });

  it('a JSON array body answers 400 BAD_REQUEST', async () => {
    const res = await call(`${mock.urls.shipping}/shipments`, { rawBody: '[1,2]' });
    expect(res.status).toBe(400);
  });
});

describe('orders', () => {
  it('POST /orders creates a pending order priced from the catalogue, newest first for its user', async () => {
    const p1 = (await call<Product>(`${mock.urls.product}/products/p-1`)).body;
    const res = await call<Order>(`${mock.urls.order}/orders`, {
      body: { idempotencyKey: 'o-k', userId: 'u-1', items: [{ productId: 'p-1', quantity: 2 }] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: 'o-5001',
      userId: 'u-1',
      partnerId: null,
      status: 'pending',
      items: [{ productId: 'p-1', quantity: 2, unitPriceCents: p1.priceCents }],
      totalCents: 2 * p1.priceCents,
      currency: 'USD',
    });
    const page = await call<{ items: Order[] }>(`${mock.urls.order}/orders?userId=u-1&first=1`);
    expect(page.body.items[0]?.id).toBe('o-5001');
  });

  it('an order whose total a 32-bit amount cannot hold is refused 400, and nothing is stored', async () => {
    const p36 = (await call<Product>(`${mock.urls.product}/products/p-36`)).body;
    const lines = Math.ceil((2 ** 31 - 1) / (p36.priceCents * 1000)) + 1;
    const res = await call<{ error: { code: string; reason: string } }>(
      `${mock.urls.order}/orders`,
      {
        body: {
          idempotencyKey: 'o-huge',
          userId: 'u-3',
          items: Array.from({ length: lines }, () => ({ productId: 'p-36', quantity: 1000 })),
        },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', reason: 'total_too_large' });
    const page = await call<{ items: Order[] }>(`${mock.urls.order}/orders?userId=u-3&first=100`);
    expect(page.body.items.every((o) => o.totalCents <= 2 ** 31 - 1)).toBe(true);
  });

  it('status change updates the order and a replayed create still answers the original', async () => {
    const body = {
      idempotencyKey: 'o-s',
      userId: 'u-2',
      items: [{ productId: 'p-2', quantity: 1 }],
    };
    const created = await call<Order>(`${mock.urls.order}/orders`, { body });
    const updated = await call<Order>(`${mock.urls.order}/orders/${created.body.id}/status`, {
      body: { status: 'confirmed' },
    });
    expect(updated.body.status).toBe('confirmed');
    const replay = await call<Order>(`${mock.urls.order}/orders`, { body });
    expect(replay.body).toEqual(created.body);
  });

  it('an order for an unknown product answers 404 NOT_FOUND', async () => {
    const res = await call(`${mock.urls.order}/orders`, {
      body: { idempotencyKey: 'o-u', userId: 'u-1', items: [{ productId: 'p-9999', quantity: 1 }] },
    });
    expect(res.status).toBe(404);
  });
});

describe('inventory', () => {
  const stockOf = async (id: string) =>
    (await call<Product>(`${mock.urls.product}/products/${id}`)).body.stock;

  it('reservation decrements stock and release restores it exactly once', async () => {
    const before = await stockOf('p-3');
    const reserved = await call<Reservation>(`${mock.urls.inventory}/reservations`, {
      body: { idempotencyKey: 'inv-1', orderId: 'o-1', items: [{ productId: 'p-3', quantity: 4 }] },
    });
    expect(reserved.status).toBe(201);
    expect(reserved.body).toMatchObject({ orderId: 'o-1', status: 'reserved' });
    expect(await stockOf('p-3')).toBe(before - 4);

    const release = (key: string) =>
      call(`${mock.urls.inventory}/reservations/${reserved.body.id}/release`, {
        body: { idempotencyKey: key },
      });
    expect((await release('rel-1')).body).toEqual({ id: reserved.body.id, status: 'released' });
    const twice = await release('rel-2');
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual({ id: reserved.body.id, status: 'released' });
    expect(await stockOf('p-3')).toBe(before);
  });

  it('short stock answers 409 CONFLICT out_of_stock and reserves nothing', async () => {
    const before = await stockOf('p-3');
    const res = await call(`${mock.urls.inventory}/reservations`, {
      body: {
        idempotencyKey: 'inv-2',
        orderId: 'o-2',
        items: [
          { productId: 'p-3', quantity: 1 },
          { productId: 'p-50', quantity: 1 },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      error: { code: 'CONFLICT', reason: 'out_of_stock', productId: 'p-50', available: 0 },
    });
    expect(await stockOf('p-3')).toBe(before);
  });
});

describe('shipping', () => {
  it('creates a labelled shipment and cancels it, twice without harm', async () => {
    const created = await call<{ id: string; label: string }>(`${mock.urls.shipping}/shipments`, {
      body: { idempotencyKey: 'sh-1', orderId: 'o-1' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ orderId: 'o-1', status: 'created' });
    expect(created.body.label).toMatch(/^LBL-\d{8}$/);
    for (const key of ['c-1', 'c-2']) {
      const res = await call(`${mock.urls.shipping}/shipments/${created.body.id}/cancel`, {
        body: { idempotencyKey: key },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: created.body.id, status: 'cancelled' });
    }
  });
});
