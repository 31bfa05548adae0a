import { describe, expect, it } from 'vitest';
import type { ServicesMock } from '../src/services-mock';
import type { Ledger, Product } from '../src/types';
import { pollUntil, useServicesMock } from './mock-fixture';
import { call } from './test-client';

let mock: ServicesMock;

useServicesMock(
  (started) => {
    mock = started;
  },
  { resetEach: false },
);

describe('control API', () => {
  it('/__calls counts calls per route pattern and /__calls/reset zeroes them', async () => {
    await call(`${mock.urls.product}/products/p-1`);
    await call(`${mock.urls.product}/products/p-2`);
    await call(`${mock.urls.product}/products/p-0`);
    await call(`${mock.urls.product}/products?ids=p-1`);
    const calls = await call(`${mock.urls.product}/__calls`);
    expect(calls.body).toEqual({ 'GET /products/:id': 3, 'GET /products': 1 });
    const reset = await call(`${mock.urls.product}/__calls/reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
    expect((await call(`${mock.urls.product}/__calls`)).body).toEqual({});
  });

  it('/__concurrency holds the most calls in flight at once; an abandoned call leaves when its caller hangs up', async () => {
    const port = mock.urls.user;
    await call(`${port}/__calls/reset`, { method: 'POST' });
    await call(`${port}/__faults`, { body: { mode: 'latency', latencyMs: 600_000, calls: 3 } });
    const callers = Array.from({ length: 3 }, () => new AbortController());
    const pending = callers.map((c) =>
      fetch(`${port}/users/u-1`, { signal: c.signal }).catch(() => 'abandoned'),
    );
    const concurrency = async () =>
      (await call<{ inFlight: number; maxInFlight: number }>(`${port}/__concurrency`)).body;
    await pollUntil(async () => (await concurrency()).inFlight === 3);
    for (const c of callers) c.abort();
    expect(await Promise.all(pending)).toEqual(['abandoned', 'abandoned', 'abandoned']);
    await pollUntil(async () => (await concurrency()).inFlight === 0);
    expect(await concurrency()).toEqual({ inFlight: 0, maxInFlight: 3 });
    await call(`${port}/__calls/reset`, { method: 'POST' });
    expect(await concurrency()).toEqual({ inFlight: 0, maxInFlight: 0 });
  });

  it('/__calls counts only its own port', async () => {
    await call(`${mock.urls.user}/users/u-1`);
    expect((await call(`${mock.urls.order}/__calls`)).body).not.toHaveProperty('GET /users/:id');
  });

  it('POST /__reset restores seed stock, payments, faults and counters', async () => {
    const stock = async () => (await call<Product>(`${mock.urls.product}/products/p-5`)).body.stock;
    const seeded = await stock();
    await call(`${mock.urls.inventory}/reservations`, {
      body: { idempotencyKey: 'x', orderId: 'o-1', items: [{ productId: 'p-5', quantity: 2 }] },
    });
    await call(`${mock.urls.payment}/charges`, {
      body: { idempotencyKey: 'x', orderId: 'o-1', amountCents: 100, currency: 'USD' },
    });
    await call(`${mock.urls.shipping}/__faults`, { body: { mode: 'error' } });
    expect(await stock()).toBe(seeded - 2);

    const reset = await call(`${mock.urls.order}/__reset`, { method: 'POST' });
    expect(reset.status).toBe(204);

    expect(await stock()).toBe(seeded);
    const ledger = await call<Ledger>(`${mock.urls.payment}/__ledger`);
    expect(ledger.body).toEqual({ orders: {}, totals: { chargedCents: 0, refundedCents: 0 } });
    expect((await call(`${mock.urls.shipping}/shipments/s-1`)).status).toBe(404);
    expect((await call(`${mock.urls.inventory}/__calls`)).body).toEqual({});
    // Keys are forgotten too: the same key now charges afresh.
    const again = await call(`${mock.urls.payment}/charges`, {
      body: { idempotencyKey: 'x', orderId: 'o-1', amountCents: 100, currency: 'USD' },
    });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('every response carries the caller’s x-request-id', async () => {
    const res = await call(`${mock.urls.user}/users/u-1`, {
      headers: { 'x-request-id': 'req-42' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-42');
  });
});
