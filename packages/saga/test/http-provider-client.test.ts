import { type ServicesMock, startServicesMock } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProviderClient } from '../src/http-provider-client';
import type { ProviderRequest } from '../src/provider-client';

let mock: ServicesMock;
let client: HttpProviderClient;
const RESET_MS = 60_000;

beforeAll(async () => {
  mock = await startServicesMock({ logLevel: 'silent' });
  client = new HttpProviderClient({
    baseUrls: {
      order: mock.urls.order,
      inventory: mock.urls.inventory,
      payment: mock.urls.payment,
      shipping: mock.urls.shipping,
    },
    breaker: {
      errorThresholdPercentage: 50,
      resetTimeoutMs: RESET_MS,
      rollingCountTimeoutMs: 10_000,
      volumeThreshold: 3,
    },
  });
});

afterAll(async () => {
  await client?.close();
  await mock?.close();
});

const fault = async (url: string, spec: Record<string, unknown>) => {
  const res = await fetch(`${url}/__faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  expect(res.status).toBe(201);
};

const charge = (key: string): ProviderRequest => ({
  provider: 'payment',
  method: 'POST',
  path: '/charges',
  body: { idempotencyKey: key, orderId: 'o-1', amountCents: 100, currency: 'USD' },
  timeoutMs: 2_000,
  priority: 'forward',
});

describe('HTTP provider client outcomes', () => {
  it('409 "request in progress" is a retry that may have applied, and never opens the breaker', async () => {
    await fault(mock.urls.payment, { route: 'POST /charges', mode: 'in_progress', calls: 5 });
    for (let i = 0; i < 5; i++) {
      expect(await client.call(charge('k-busy'))).toMatchObject({
        kind: 'retryable',
        maybeApplied: true,
        answer: { status: 409 },
      });
    }
    expect(client.breakerStates().payment).toBe('closed');
    expect(await client.call(charge('k-busy'))).toMatchObject({ kind: 'ok' });
  });

  it('a lookup by key that finds nothing is a definite 404', async () => {
    const lookup = await client.call({
      provider: 'payment',
      method: 'GET',
      path: '/charges?idempotencyKey=never-sent',
      timeoutMs: 2_000,
      priority: 'compensation',
    });
    expect(lookup).toMatchObject({ kind: 'rejected', answer: { status: 404 } });
  });

  it('an open breaker answers not_sent with the time left until its half-open probe', async () => {
    await fault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 503 });
    const ship = (i: number): ProviderRequest => ({
      provider: 'shipping',
      method: 'POST',
      path: '/shipments',
      body: { idempotencyKey: `s-${i}`, orderId: 'o-1' },
      timeoutMs: 2_000,
      priority: 'forward',
    });
    let outcome = await client.call(ship(0));
    for (let i = 1; outcome.kind !== 'not_sent' && i < 20; i++)
      outcome = await client.call(ship(i));
    expect(outcome).toMatchObject({ kind: 'not_sent', reason: 'breaker_open' });
    if (outcome.kind !== 'not_sent') return;
    expect(outcome.retryAfterMs).toBeGreaterThan(0);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(RESET_MS);
  });
});
