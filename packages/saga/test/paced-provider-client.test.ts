import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, Redis } from '@edge/common';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HttpProviderClient } from '../src/http-provider-client';
import { PacedProviderClient, routeOf } from '../src/paced-provider-client';
import {
  MAX_THROTTLE_PAUSE_MS,
  type ProviderRateLimit,
  resolveRateLimits,
} from '../src/pacing-policy';
import type { CallOutcome, ProviderRequest } from '../src/provider-client';
import { RedisTokenBucket } from '../src/redis-token-bucket';
import { DEFAULT_BREAKER_POLICY } from '../src/saga-policies';

const log = createLogger({ service: 'test', level: 'silent' });
const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const prefix = `test:pace:${randomUUID()}:`;

/** A charge lookup: cheap and free of effects. */
function lookup(i: number): ProviderRequest {
  return {
    provider: 'payment',
    method: 'GET',
    path: `/charges/ch_pace_${i}`,
    timeoutMs: 2_000,
    priority: 'compensation',
  };
}

const cleanups: Array<() => Promise<void>> = [];

/**
 * A provider that answers its first call 429 with `throttleHeaders`, as a rate-limited payment
 * provider does, and every later one 200; and two workers (paced clients) sharing one bucket.
 */
async function rateLimitedProvider(throttleHeaders: Record<string, string>) {
  let calls = 0;
  const server = createServer((_req, res) => {
    calls++;
    if (calls === 1) res.writeHead(429, throttleHeaders).end('{"error":"rate_limited"}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ch_1"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrls = { order: url, inventory: url, payment: url, shipping: url };
  const bucketPrefix = `${prefix}${randomUUID()}:`;
  const workers = Array.from(
    { length: 2 },
    () =>
      new PacedProviderClient({
        inner: new HttpProviderClient({ baseUrls, breaker: DEFAULT_BREAKER_POLICY }),
        buckets: new RedisTokenBucket({ redis, prefix: bucketPrefix }),
        limits: resolveRateLimits(),
        log,
      }),
  ) as [PacedProviderClient, PacedProviderClient];
  cleanups.push(async () => {
    for (const w of workers) await w.close();
    await new Promise((resolve) => server.close(resolve));
  });
  return { workers, calls: () => calls };
}

/** After the first (throttled) call, 40 calls from both workers: what did they get? */
async function afterThrottle(workers: [PacedProviderClient, PacedProviderClient]) {
  const throttled = await workers[0].call(lookup(0));
  expect(throttled).toMatchObject({ kind: 'retryable', answer: { status: 429 } });
  return Promise.all(
    Array.from(
      { length: 40 },
      (_, i): Promise<CallOutcome> => (i % 2 ? workers[1] : workers[0]).call(lookup(i + 1)),
    ),
  );
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** Every call was held back locally, told to come back after more than `minMs`, at most `maxMs`. */
function expectAllPaced(outcomes: CallOutcome[], minMs: number, maxMs: number) {
  for (const outcome of outcomes) {
    expect(outcome).toMatchObject({ kind: 'not_sent', reason: 'paced' });
    if (outcome.kind !== 'not_sent') continue;
    expect(outcome.retryAfterMs).toBeGreaterThan(minMs);
    expect(outcome.retryAfterMs).toBeLessThanOrEqual(maxMs);
  }
}

describe('paced provider client over a shared Redis bucket', () => {
  it('after one 429 every worker (two clients, one Redis) holds its calls until Retry-After: the provider sees no second call', async () => {
    const { workers, calls } = await rateLimitedProvider({ 'retry-after': '60' });
    expectAllPaced(await afterThrottle(workers), 0, 60_000);
    expect(calls()).toBe(1);
  });

  it('a 429 that only carries RateLimit headers pauses every worker until their reset', async () => {
    const { workers, calls } = await rateLimitedProvider({
      ratelimit: 'limit=100, remaining=0, reset=30',
    });
    // Longer than the 1 s pause of a bare 429: the reset was read.
    expectAllPaced(await afterThrottle(workers), 1_000, 30_000);
    expect(calls()).toBe(1);
  });

  it('a Retry-After of a day pauses every worker for at most five minutes, not a day', async () => {
    const { workers, calls } = await rateLimitedProvider({ 'retry-after': '86400' });
    expectAllPaced(await afterThrottle(workers), 60_000, MAX_THROTTLE_PAUSE_MS);
    expect(calls()).toBe(1);
  });
});

/** A payment provider whose refund endpoint answers 429 (Retry-After 60) to every call. */
async function refundsThrottled(payment?: ProviderRateLimit) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    if (req.method === 'POST' && req.url === '/refunds') {
      res.writeHead(429, { 'retry-after': '60' }).end('{"error":"rate_limited"}');
    } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ch_1"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrls = { order: url, inventory: url, payment: url, shipping: url };
  const bucketPrefix = `${prefix}${randomUUID()}:`;
  const throttles: string[] = [];
  const workers = Array.from(
    { length: 2 },
    () =>
      new PacedProviderClient({
        inner: new HttpProviderClient({ baseUrls, breaker: DEFAULT_BREAKER_POLICY }),
        buckets: new RedisTokenBucket({ redis, prefix: bucketPrefix }),
        limits: resolveRateLimits(payment ? { payment } : {}),
        log,
        onThrottled: (provider, route) => throttles.push(`${provider} ${route}`),
      }),
  ) as [PacedProviderClient, PacedProviderClient];
  cleanups.push(async () => {
    for (const w of workers) await w.close();
    await new Promise((resolve) => server.close(resolve));
  });
  return { workers, calls, throttles };
}

const refund = (i: number): ProviderRequest => ({
  provider: 'payment',
  method: 'POST',
  path: '/refunds',
  body: { chargeId: `ch_${i}` },
  timeoutMs: 2_000,
  priority: 'compensation',
});
const charge = (i: number): ProviderRequest => ({
  provider: 'payment',
  method: 'POST',
  path: '/charges',
  body: { orderId: `o_${i}` },
  timeoutMs: 2_000,
  priority: 'forward',
});

describe('a 429 pauses the route that answered it, not the provider', () => {
  it('routes are method and first path segment, never ids or queries', () => {
    expect(routeOf({ method: 'GET', path: '/charges/ch_1/refunds?x=1' })).toBe('GET /charges');
    expect(routeOf({ method: 'POST', path: '/refunds' })).toBe('POST /refunds');
    expect(routeOf({ method: 'GET', path: '/__ledger?since=1' })).toBe('GET /__ledger');
    expect(routeOf({ method: 'GET', path: '/' })).toBe('GET /');
  });

  it("after POST /refunds answered 429, refunds wait on every worker (said as that route's 429) while charges and lookups go on", async () => {
    const { workers, calls, throttles } = await refundsThrottled();
    expect(await workers[0].call(refund(0))).toMatchObject({ kind: 'retryable' });
    expect(throttles).toEqual(['payment POST /refunds']);
    const refunds = await Promise.all(
      Array.from({ length: 10 }, (_, i) => workers[i % 2 ? 1 : 0].call(refund(i + 1))),
    );
    for (const outcome of refunds) {
      expect(outcome).toMatchObject({
        kind: 'not_sent',
        reason: 'paced',
        throttledRoute: 'POST /refunds',
      });
    }
    const others = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        workers[i % 2 ? 1 : 0].call(i % 3 ? charge(i) : lookup(i)),
      ),
    );
    for (const outcome of others) expect(outcome).toMatchObject({ kind: 'ok' });
    expect(calls.filter((c) => c === 'POST /refunds')).toHaveLength(1);
  });

  it('every route still takes from the provider bucket: across routes no more than its burst leaves at once, said as our rate', async () => {
    const { workers, calls } = await refundsThrottled({ ratePerSec: 2, burst: 4 });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        workers[i % 2 ? 1 : 0].call(i % 3 ? charge(i) : lookup(i)),
      ),
    );
    expect(calls).toHaveLength(4);
    const paced = outcomes.filter((o) => o.kind === 'not_sent');
    expect(paced).toHaveLength(8);
    for (const outcome of paced) expect(outcome).not.toHaveProperty('throttledRoute');
  });
});
