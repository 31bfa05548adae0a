import { createFailFastRedis, createMetrics, type Logger, Redis } from '@edge/common';
import { startPrivateRedis, waitUntil } from '@edge/testkit';
import { describe, expect, it } from 'vitest';
import { createKey } from '../src/api-keys';
import { loadGatewayConfig } from '../src/config';
import { createRedisKeyStore } from '../src/key-store';
import { createRateLimiter } from '../src/rate-limit';
import { type Answer, startGatewayFixture } from './gateway-fixture';
import { describeRateLimitContract, inWaves, ME, metric } from './rate-limit-contract';

describeRateLimitContract('redis, leased', () => ({}));
describeRateLimitContract('redis, exact', () => ({
  RATE_LIMIT_MODES: JSON.stringify({ web: 'exact', mobile: 'exact' }),
}));

describe('rate limits while Redis is down', () => {
  it('serves per fail mode, exports the degraded state, and returns to Redis after restart', async () => {
    const redis = await startPrivateRedis();
    const fx = await startGatewayFixture({
      REDIS_URL: redis.url,
      RATE_LIMIT_USER: '10',
      RATE_LIMIT_INSTANCES: '2',
      RATE_LIMIT_FAIL_CLOSED: 'partner-v1',
    });
    const keys = createRedisKeyStore(new Redis(redis.url));
    try {
      const gateway = fx.gateways[0];
      if (!gateway) throw new Error('no gateway');
      const { key } = await createKey(keys, { partnerId: 'acme', versions: ['v1'], tier: 'pro' });
      const auth = { authorization: `Bearer ${await fx.token('web', 'u-outage')}` };
      expect((await fx.post('/partner/v1/graphql', ME, { 'x-api-key': key })).status).toBe(200);
      expect((await fx.post('/web/graphql', ME, auth)).status).toBe(200);
      expect(await metric(gateway.url, 'gateway_rate_limit_degraded')).toBe(0);

      await redis.kill();
      // Fail-open web: the insurance limiter allows 10 / 2 instances = 5 per window here.
      const during = await inWaves(8, 4, () => fx.post('/web/graphql', ME, auth));
      expect(during.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(await metric(gateway.url, 'gateway_rate_limit_degraded')).toBe(1);
      // Fail-closed partner: refused with 503 and Retry-After, never a 500.
      const closed = await fx.post(
        '/partner/v1/graphql',
        { query: '{ orders { id } }' },
        {
          'x-api-key': key,
        },
      );
      expect(closed.status).toBe(503);
      expect(closed.headers.get('retry-after')).toBe('1');

      await redis.start();
      let recovered: Answer | undefined;
      for (
        let i = 0;
        i < 100 && (await metric(gateway.url, 'gateway_rate_limit_degraded')) !== 0;
        i++
      ) {
        recovered = await fx.post('/web/graphql', ME, {
          authorization: `Bearer ${await fx.token('web', 'u-after')}`,
        });
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await metric(gateway.url, 'gateway_rate_limit_degraded')).toBe(0);
      expect(recovered?.status).toBe(200);
      // Back on Redis: a fresh Redis counts from zero, shared by every instance.
      const after = await fx.post('/web/graphql', ME, auth);
      expect(after.status).toBe(200);
      expect(after.headers.get('ratelimit')).toMatch(/^"requests";r=9;/);
    } finally {
      await keys.close();
      await fx.close();
      await redis.kill();
    }
  });
});

describe('rate limiter degraded state', () => {
  it('logs one warning per outage and one line on recovery, counting degraded requests', async () => {
    const redis = await startPrivateRedis();
    const client = createFailFastRedis(redis.url);
    client.on('error', () => {});
    const lines: { level: string; msg: string }[] = [];
    const log = {
      warn: (_fields: unknown, msg: string) => lines.push({ level: 'warn', msg }),
      info: (msg: string) => lines.push({ level: 'info', msg }),
    } as unknown as Logger;
    const { registry } = createMetrics('gateway-test');
    const limiter = createRateLimiter({
      redis: client,
      registry,
      log,
      config: loadGatewayConfig({ RATE_LIMIT_PREFIX: `test:${Date.now()}` }).rateLimit,
    });
    const subject = { surface: 'web', id: 'u-1', class: 'user' } as const;
    try {
      if (client.status !== 'ready') {
        await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      }
      expect((await limiter.consume(subject)).degraded).toBe(false);
      await redis.kill();
      for (let i = 0; i < 5; i++) expect((await limiter.consume(subject)).degraded).toBe(true);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(await registry.getSingleMetricAsString('gateway_rate_limit_degraded')).toContain(
        'gateway_rate_limit_degraded{service="gateway-test"} 1',
      );
      expect(
        await registry.getSingleMetricAsString('gateway_rate_limit_degraded_requests_total'),
      ).toContain(
        'gateway_rate_limit_degraded_requests_total{surface="web",mode="open",service="gateway-test"} 5',
      );
      await redis.start();
      // The client may have reconnected while start() was still probing: wait on the state.
      await waitUntil('the limiter client reconnected', () => client.status === 'ready');
      expect((await limiter.consume(subject)).degraded).toBe(false);
      expect(lines.at(-1)).toEqual({ level: 'info', msg: 'rate limiter back on Redis' });
    } finally {
      client.disconnect();
      await redis.kill();
    }
  });
});
