import { describe, expect, it } from 'vitest';
import type { ServicesMock } from '../src/services-mock';
import { pollUntil, useServicesMock } from './mock-fixture';
import { call } from './test-client';

let mock: ServicesMock;

useServicesMock((started) => {
  mock = started;
});

const fault = async (url: string, spec: Record<string, unknown>) => {
  expect((await call(`${url}/__faults`, { body: spec })).status).toBe(201);
};

const charge = (key: string) =>
  call<{ id: string }>(`${mock.urls.payment}/charges`, {
    body: { idempotencyKey: key, orderId: 'o-1', amountCents: 500, currency: 'USD' },
  });

const lookupCharge = (key: string) =>
  call<{ id?: string; refundedCents?: number; error?: { code: string; reason?: string } }>(
    `${mock.urls.payment}/charges?idempotencyKey=${encodeURIComponent(key)}`,
  );

describe('lookups by idempotency key', () => {
  it('find what a key created and answer 404 when nothing was', async () => {
    expect((await lookupCharge('k-none')).status).toBe(404);
    const created = await charge('k-1');
    const found = await lookupCharge('k-1');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: created.body.id, refundedCents: 0 });

    const reservation = await call<{ id: string }>(`${mock.urls.inventory}/reservations`, {
      body: { idempotencyKey: 'r-1', orderId: 'o-1', items: [{ productId: 'p-1', quantity: 1 }] },
    });
    const seen = await call<{ id: string }>(
      `${mock.urls.inventory}/reservations?idempotencyKey=r-1`,
    );
    expect(seen.body.id).toBe(reservation.body.id);
    expect((await call(`${mock.urls.inventory}/reservations?idempotencyKey=r-2`)).status).toBe(404);

    const shipment = await call<{ id: string }>(`${mock.urls.shipping}/shipments`, {
      body: { idempotencyKey: 's-1', orderId: 'o-1' },
    });
    const shipped = await call<{ id: string }>(
      `${mock.urls.shipping}/shipments?idempotencyKey=s-1`,
    );
    expect(shipped.body.id).toBe(shipment.body.id);

    const order = await call<{ id: string }>(`${mock.urls.order}/orders`, {
      body: { idempotencyKey: 'o-key', userId: 'u-1', items: [{ productId: 'p-1', quantity: 1 }] },
    });
    const listed = await call<{ items: { id: string }[] }>(
      `${mock.urls.order}/orders?idempotencyKey=o-key`,
    );
    expect(listed.body.items.map((o) => o.id)).toEqual([order.body.id]);
    const none = await call<{ items: unknown[] }>(`${mock.urls.order}/orders?idempotencyKey=x`);
    expect(none.body.items).toEqual([]);
  });

  it('a charge refused by a reset connection left nothing to find', async () => {
    await fault(mock.urls.payment, { route: 'POST /charges', mode: 'down', calls: 1 });
    await expect(charge('k-reset')).rejects.toThrow();
    expect((await lookupCharge('k-reset')).status).toBe(404);
  });
});

describe('faults that tell the truth of providers', () => {
  it('in_progress answers 409 request_in_progress and applies nothing', async () => {
    await fault(mock.urls.payment, { route: 'POST /charges', mode: 'in_progress', calls: 1 });
    const refused = await charge('k-busy');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { reason: 'request_in_progress' } });
    expect((await lookupCharge('k-busy')).status).toBe(404);
    expect((await charge('k-busy')).status).toBe(201);
  });

  it('applied_late applies the effect although the client gave up, and the key stays in flight', async () => {
    await fault(mock.urls.payment, {
      route: 'POST /charges',
      mode: 'applied_late',
      latencyMs: 60_000,
      calls: 1,
    });
    const controller = new AbortController();
    const pending = fetch(`${mock.urls.payment}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: 'k-late',
        orderId: 'o-1',
        amountCents: 500,
        currency: 'USD',
      }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    // While the answer is held, the key is in progress: a lookup or a re-send hears so.
    const busy = await pollUntil(async () => {
      const seen = await lookupCharge('k-late');
      return seen.status === 409 ? seen : undefined;
    });
    expect(busy.body.error?.reason).toBe('request_in_progress');
    expect((await charge('k-late')).status).toBe(409);
    controller.abort();
    await pending;
    const ledger = await call<{ totals: { chargedCents: number } }>(
      `${mock.urls.payment}/__ledger`,
    );
    expect(ledger.body.totals.chargedCents).toBe(500);
  });

  it('records the peak number of requests in flight under one key', async () => {
    await fault(mock.urls.payment, { route: 'POST /charges', mode: 'latency', latencyMs: 200 });
    const answers = await Promise.all([charge('k-twice'), charge('k-twice'), charge('k-once')]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409]);
    const inflight = await call<{ maxConcurrentPerKey: number; worstKey: string }>(
      `${mock.urls.payment}/__inflight`,
    );
    expect(inflight.body).toMatchObject({ maxConcurrentPerKey: 2, worstKey: 'k-twice' });
    await call(`${mock.urls.payment}/__calls/reset`, { method: 'POST' });
    const after = await call<{ maxConcurrentPerKey: number }>(`${mock.urls.payment}/__inflight`);
    expect(after.body.maxConcurrentPerKey).toBe(0);
  });
});
