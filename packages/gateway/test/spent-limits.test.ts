import { request } from 'node:http';
import { createLogger, createMetrics } from '@edge/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config';
import { createRateLimiter } from '../src/rate-limit';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const QUERY = { query: '{ me { id } }' };
const LIMIT = 3;

/** Sends a request's headers, promising a body it never sends, and resolves with the answer. */
function headersOnly(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; retryAfter: string | undefined; body: string }>(
    (resolve, reject) => {
      const req = request(`${url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '4096', ...headers },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            body,
          });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    },
  );
}

describe.each([
  ['leased (default)', {}],
  ['exact', { RATE_LIMIT_MODES: '{"web":"exact"}' }],
])('a caller whose request limit is spent, %s counting', (_mode, env) => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture({ RATE_LIMIT_USER: String(LIMIT), ...env });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('is refused before the edge reads its body, until the window resets; others are served', async () => {
    const spender = { authorization: `Bearer ${await fx.token('web', 'u-spent')}` };
    for (let i = 0; i < LIMIT; i++) {
      expect((await fx.post('/web/graphql', QUERY, spender)).status).toBe(200);
    }
    const refused = await fx.post('/web/graphql', QUERY, spender);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');

    // The body never comes: only a refusal decided before reading it can answer.
    const early = await headersOnly(fx.gateways[0]?.url ?? '', spender);
    expect(early.status).toBe(429);
    expect(JSON.parse(early.body).errors[0]).toMatchObject({
      message: 'Rate limit exceeded (requests)',
      extensions: { code: 'RATE_LIMITED' },
    });
    expect(Number(early.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(early.retryAfter)).toBeLessThanOrEqual(60);

    const other = { authorization: `Bearer ${await fx.token('web', 'u-other')}` };
    expect((await fx.post('/web/graphql', QUERY, other)).status).toBe(200);
  });
});

describe('spent limits are kept per limit class', () => {
  it("an address's spent anonymous limit does not refuse a user whose sub is that address", async () => {
    const limiter = createRateLimiter({
      redis: undefined,
      registry: createMetrics('gateway-test').registry,
      log: createLogger({ service: 'gateway-test', level: 'silent' }),
      config: loadGatewayConfig({ RATE_LIMIT_ANONYMOUS: '1' }).rateLimit,
    });
    const address = { surface: 'web', id: '10.0.0.7', class: 'anonymous' } as const;
    await limiter.consume(address);
    await expect(limiter.consume(address)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(() => limiter.refuseIfSpent(address)).toThrow('Rate limit exceeded (requests)');

    const user = { surface: 'web', id: '10.0.0.7', class: 'user' } as const;
    expect(() => limiter.refuseIfSpent(user)).not.toThrow();
    expect((await limiter.consume(user)).headers['ratelimit']).toMatch(/^"requests";r=/);
  });
});
