import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const preflight = (url: string, path: string, origin: string) =>
  fetch(`${url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });

describe('browsers: CORS per surface and JSON-only posts (dev defaults)', () => {
  let fx: GatewayFixture;
  let url: string;
  let auth: Record<string, string>;
  beforeAll(async () => {
    fx = await startGatewayFixture();
    url = fx.gateways[0]?.url ?? '';
    auth = { authorization: `Bearer ${await fx.token('web', 'u-1')}` };
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('a preflight from a localhost dev server is answered 204 with the allowance, on web and mobile', async () => {
    for (const path of ['/web/graphql', '/mobile/graphql']) {
      const res = await preflight(url, path, 'http://localhost:5173');
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(res.headers.get('access-control-allow-methods')).toBe('POST');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(res.headers.get('access-control-max-age')).toBe('600');
    }
  });

  it('a preflight from another origin, or to a partner surface, gets 204 and no allowance', async () => {
    for (const [path, origin] of [
      ['/web/graphql', 'https://evil.example'],
      ['/web/graphql', 'http://localhost.evil.example:80'],
      ['/partner/v2/graphql', 'http://localhost:5173'],
    ] as const) {
      const res = await preflight(url, path, origin);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('an allowed origin can read the answer and its rate-limit headers', async () => {
    const res = await fx.post(
      '/web/graphql',
      { query: '{ me { id } }' },
      {
        ...auth,
        origin: 'http://localhost:3000',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-expose-headers')).toContain('ratelimit');
    expect(res.headers.get('vary')).toContain('origin');
  });

  it('text/plain, form and untyped POSTs return 415 UNSUPPORTED_MEDIA_TYPE before any BFF call', async () => {
    fx.bff.resetCalls();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const res = await fx.post('/web/graphql', JSON.stringify({ query: '{ me { id } }' }), {
        ...auth,
        'content-type': type,
      });
      expect(res.status).toBe(415);
      expect(res.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const untyped = await fetch(`${url}/web/graphql`, {
      method: 'POST',
      headers: auth,
      body: new Blob([JSON.stringify({ query: '{ me { id } }' })]),
    });
    expect(untyped.status).toBe(415);
    expect(fx.bff.calls()).toEqual({});
  });
});

describe('production: configured origins, metrics and details on the admin port only', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture({
      NODE_ENV: 'production',
      DEV_IDP: 'true',
      CORS: JSON.stringify({ web: { origins: ['https://app.example.com'], credentials: true } }),
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('web allows only its configured origin, with credentials; localhost is not allowed', async () => {
    const url = fx.gateways[0]?.url ?? '';
    const app = await preflight(url, '/web/graphql', 'https://app.example.com');
    expect(app.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(app.headers.get('access-control-allow-credentials')).toBe('true');
    const local = await preflight(url, '/mobile/graphql', 'http://localhost:5173');
    expect(local.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('/metrics is not on the public port; the admin port serves it and detailed readiness', async () => {
    const gateway = fx.gateways[0];
    expect((await fetch(`${gateway?.url}/metrics`)).status).toBe(404);
    expect(await (await fetch(`${gateway?.url}/readyz`)).json()).toEqual({ status: 'ready' });
    expect(gateway?.adminUrl).toBeDefined();
    const metrics = await fetch(`${gateway?.adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('gateway_jwks_health');
    expect(await (await fetch(`${gateway?.adminUrl}/readyz`)).json()).toMatchObject({
      status: 'ready',
      idp: expect.any(String),
    });
  });
});
