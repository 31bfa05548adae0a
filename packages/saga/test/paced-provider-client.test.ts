import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, Redis } from '@edge/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpProviderClient } from '../src/http-provider-client';
import { PacedProviderClient } from '../src/paced-provider-client';
import { resolveRateLimits } from '../src/pacing-policy';
import type { CallOutcome, ProviderRequest } from '../src/provider-client';
import { RedisTokenBucket } from '../src/redis-token-bucket';
import { DEFAULT_BREAKER_POLICY } from '../src/saga-policies';

const log = createLogger({ service: 'test', level: 'silent' });

/**
 * A provider that answers its first call 429 with `Retry-After: 60`, as a rate-limited payment
 * provider does, and counts every call it receives.
 */
async function startRateLimitedProvider(): Promise<{
  url: string;
  calls: () => number;
  server: Server;
}> {
  let calls = 0;
  const server = createServer((_req, res) => {
    calls++;
    if (calls === 1) res.writeHead(429, { 'retry-after': '60' }).end('{"error":"rate_limited"}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ch_1"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, server };
}

/** A charge lookup: cheap and free of effects. */
function refundRequest(i: number): ProviderRequest {
  return {
    provider: 'payment',
    method: 'GET',
    path: `/charges/ch_pace_${i}`,
    timeoutMs: 2_000,
    priority: 'compensation',
  };
}

describe('paced provider client over a shared Redis bucket', () => {
  let provider: Awaited<ReturnType<typeof startRateLimitedProvider>>;
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const prefix = `test:pace:${randomUUID()}:`;
  const workers: PacedProviderClient[] = [];

  beforeAll(async () => {
    provider = await startRateLimitedProvider();
    const baseUrls = {
      order: provider.url,
      inventory: provider.url,
      payment: provider.url,
      shipping: provider.url,
    };
    for (let i = 0; i < 2; i++) {
      workers.push(
        new PacedProviderClient({
          inner: new HttpProviderClient({ baseUrls, breaker: DEFAULT_BREAKER_POLICY }),
          buckets: new RedisTokenBucket({ redis, prefix }),
          limits: resolveRateLimits(),
          log,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const w of workers) await w.close();
    await new Promise((resolve) => provider?.server.close(resolve));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('after one 429 every worker (two clients, one Redis) holds its calls until Retry-After: the provider sees no second call', async () => {
    const [first, second] = workers as [PacedProviderClient, PacedProviderClient];

    const throttled = await first.call(refundRequest(0));
    expect(throttled).toMatchObject({ kind: 'retryable', answer: { status: 429 } });

    const later: CallOutcome[] = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).call(refundRequest(i + 1))),
    );
    for (const outcome of later) {
      expect(outcome).toMatchObject({ kind: 'not_sent', reason: 'paced' });
      if (outcome.kind !== 'not_sent') continue;
      expect(outcome.retryAfterMs).toBeGreaterThan(0);
      expect(outcome.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    expect(provider.calls()).toBe(1);
  });
});
