import { randomUUID } from 'node:crypto';
import { createLogger, Redis } from '@edge/common';
import { createMockControl, type ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock } from '../src/e2e-harness';
import { HttpProviderClient } from '../src/http-provider-client';
import { PacedProviderClient } from '../src/paced-provider-client';
import { resolveRateLimits } from '../src/pacing-policy';
import type { CallOutcome, ProviderRequest } from '../src/provider-client';
import { RedisTokenBucket } from '../src/redis-token-bucket';
import { DEFAULT_BREAKER_POLICY } from '../src/saga-policies';

const log = createLogger({ service: 'test', level: 'silent' });

/** A charge lookup: cheap and free of effects; the fault makes it answer 429. */
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
  let mock: ServicesMock;
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const prefix = `test:pace:${randomUUID()}:`;
  const workers: PacedProviderClient[] = [];

  beforeAll(async () => {
    mock = await startMock();
    for (let i = 0; i < 2; i++) {
      workers.push(
        new PacedProviderClient({
          inner: new HttpProviderClient({ baseUrls: mock.urls, breaker: DEFAULT_BREAKER_POLICY }),
          buckets: new RedisTokenBucket({ redis, prefix }),
          limits: resolveRateLimits(),
          log,
        }),
      );
    }
  });

  afterAll(async () => {
    for (const w of workers) await w.close();
    await mock?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('after one 429 every worker holds its calls until Retry-After: the provider sees no second call', async () => {
    const control = createMockControl(mock.urls);
    await control.fault('payment', { mode: '429', retryAfterS: 60, calls: 1 });
    await control.resetCalls('payment');
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
    const calls = Object.values(await control.calls('payment')).reduce((a, b) => a + b, 0);
    expect(calls).toBe(1);
  });
});
