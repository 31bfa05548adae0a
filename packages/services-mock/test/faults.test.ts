import { describe, expect, it } from 'vitest';
import type { ServicesMock } from '../src/services-mock';
import { useServicesMock } from './mock-fixture';
import { call } from './test-client';

let mock: ServicesMock;
/** Fake clock for `durationMs`, so expiry is tested without sleeping. */
let now = 1_000_000;

useServicesMock(
  (started) => {
    mock = started;
  },
  { clock: () => now },
);

const addFault = async (url: string, spec: Record<string, unknown>) => {
  const res = await call<{ id: string }>(`${url}/__faults`, { body: spec });
  expect(res.status).toBe(201);
  return res.body.id;
};

const getUser = () => call(`${mock.urls.user}/users/u-1`);

describe('faults', () => {
  it('an error fault for 2 calls fails exactly the next 2 calls', async () => {
    await addFault(mock.urls.user, { route: 'GET /users/:id', mode: 'error', calls: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await getUser()).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
  });

  it('an error fault for 3 calls fails exactly 3 of 20 concurrent calls', async () => {
    await addFault(mock.urls.user, {
      route: 'GET /users/:id',
      mode: 'error',
      status: 500,
      calls: 3,
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => getUser()));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
    expect(statuses.filter((s) => s === 200)).toHaveLength(17);
    const calls = await call<Record<string, number>>(`${mock.urls.user}/__calls`);
    expect(calls.body['GET /users/:id']).toBe(20);
  });

  it('an error fault answers a JSON error with the chosen status', async () => {
    await addFault(mock.urls.user, { mode: 'error', calls: 1 });
    const res = await getUser();
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('a 429 fault answers 429 RATE_LIMITED with Retry-After', async () => {
    await addFault(mock.urls.user, { mode: '429', retryAfterS: 7, calls: 1 });
    const res = await getUser();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect((await getUser()).status).toBe(200);
  });

  it('a down fault destroys the socket without an answer, once', async () => {
    await addFault(mock.urls.user, { route: 'GET /users/:id', mode: 'down', calls: 1 });
    await expect(getUser()).rejects.toThrow();
    expect((await getUser()).status).toBe(200);
    const calls = await call<Record<string, number>>(`${mock.urls.user}/__calls`);
    expect(calls.body['GET /users/:id']).toBe(2);
  });

  it('a latency fault delays the call and then serves it', async () => {
    await addFault(mock.urls.user, { mode: 'latency', latencyMs: 150, calls: 1 });
    const started = performance.now();
    const res = await getUser();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'u-1' });
  });

  it('a durationMs fault stops once its time is up', async () => {
    await addFault(mock.urls.user, { mode: 'error', durationMs: 500 });
    expect((await getUser()).status).toBe(503);
    now += 499;
    expect((await getUser()).status).toBe(503);
    now += 1;
    expect((await getUser()).status).toBe(200);
  });

  it('a route fault leaves other routes alone', async () => {
    await addFault(mock.urls.user, { route: 'GET /users', mode: 'error' });
    expect((await getUser()).status).toBe(200);
    expect((await call(`${mock.urls.user}/users?ids=u-1`)).status).toBe(503);
  });

  it('a fault without bounds lasts until DELETE /__faults', async () => {
    await addFault(mock.urls.user, { mode: 'error' });
    for (let i = 0; i < 3; i++) expect((await getUser()).status).toBe(503);
    const deleted = await call(`${mock.urls.user}/__faults`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await getUser()).status).toBe(200);
  });

  it('control and health routes are never faulted nor counted', async () => {
    await addFault(mock.urls.user, { mode: 'down' });
    expect((await call(`${mock.urls.user}/healthz`)).status).toBe(200);
    expect((await call(`${mock.urls.user}/readyz`)).status).toBe(200);
    expect((await fetch(`${mock.urls.user}/metrics`)).status).toBe(200);
    const calls = await call(`${mock.urls.user}/__calls`);
    expect(calls.status).toBe(200);
    expect(calls.body).toEqual({});
  });

  it('a fault on one port leaves the other ports alone', async () => {
    await addFault(mock.urls.user, { mode: 'error' });
    expect((await call(`${mock.urls.product}/products/p-1`)).status).toBe(200);
  });

  it('a fault naming an unknown route or field answers 400 BAD_REQUEST', async () => {
    const badRoute = await call(`${mock.urls.user}/__faults`, {
      body: { route: 'GET /nope', mode: 'error' },
    });
    expect(badRoute.status).toBe(400);
    expect(badRoute.body).toMatchObject({
      error: { code: 'BAD_REQUEST', routes: ['GET /users/:id', 'GET /users'] },
    });
    const badField = await call(`${mock.urls.user}/__faults`, {
      body: { mode: 'error', count: 1 },
    });
    expect(badField.status).toBe(400);
    const badMode = await call(`${mock.urls.user}/__faults`, { body: { mode: 'explode' } });
    expect(badMode.status).toBe(400);
  });
  it('a rate_limit fault serves its published rate and answers 429 with Retry-After beyond it', async () => {
    await addFault(mock.urls.user, { mode: 'rate_limit', ratePerSec: 5 });
    const first = await Promise.all(Array.from({ length: 7 }, () => getUser()));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(first[5]?.headers.get('retry-after')).toBe('1');
    // 200 ms later the bucket has refilled one call (5 per second).
    now += 200;
    expect((await getUser()).status).toBe(200);
    expect((await getUser()).status).toBe(429);
    now += 1_000;
    const later = await Promise.all(Array.from({ length: 5 }, () => getUser()));
    expect(later.every((r) => r.status === 200)).toBe(true);
  });
});
