import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createRedisKeyStore, revokeKey } from '@edge/gateway';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { waitUntil } from '@edge/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GqlAnswer,
  type MockService,
  redisUrl,
  root,
  startTestStack,
  type TestStack,
} from './harness';

const LIMIT = 200;
const SERVICES: MockService[] = ['order', 'product', 'user'];

describe('edge security through the real stack', () => {
  let stack: TestStack;
  let second: ManagedProcess;
  let secondUrl: string;
  const gatewayEnv = {
    RATE_LIMIT_PREFIX: `e2e:${randomUUID()}`,
    RATE_LIMIT_USER: String(LIMIT),
    PARTNER_V1_DEPRECATED_AT: '2026-01-01T00:00:00Z',
    PARTNER_V1_SUNSET_AT: '2027-01-31T00:00:00Z',
  };

  beforeAll(async () => {
    stack = await startTestStack({ envFor: { gateway: gatewayEnv } });
    // A second gateway process with the first one's environment, on the same Redis.
    second = await spawnService({
      name: 'gateway-2',
      entry: join(root, 'packages/gateway/src/main.ts'),
      cwd: root,
      env: {
        ...stack.env,
        ...gatewayEnv,
        PORT: '0',
        LOG_LEVEL: 'info',
        BFF_WEB_URL: stack.urls.bffWeb,
        BFF_MOBILE_URL: stack.urls.bffMobile,
        BFF_PARTNER_URL: stack.urls.bffPartner,
        // Both gateways verify tokens against the first one's dev IdP (same key in DATA_DIR).
        JWKS_URL: `${stack.urls.gateway}/.well-known/jwks.json`,
      },
    });
    secondUrl = `http://127.0.0.1:${String(second.ready['port'])}`;
    await waitUntil(
      'the second gateway ready',
      async () => (await fetch(`${secondUrl}/readyz`)).status === 200,
      30_000,
      100,
    );
  });
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  const post = async (
    base: string,
    path: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<GqlAnswer> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed };
  };

  const mockCalls = async () => {
    let total = 0;
    for (const s of SERVICES) {
      total += Object.values(await stack.mock.calls(s)).reduce((a, b) => a + b, 0);
    }
    return total;
  };
  const resetMocks = async () => {
    for (const s of SERVICES) await stack.mock.resetCalls(s);
  };

  it('depth-50, 1,000 aliases, 1 MB and a 500-operation batch are refused before any service call', async () => {
    const auth = { authorization: `Bearer ${await stack.token('web', 'u-3')}` };
    const depth50 = `{ me { ${'orders { '.repeat(49)}id${' }'.repeat(49)} } }`;
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const huge = JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(1024 * 1024)}` });
    const batch = JSON.stringify(Array.from({ length: 500 }, () => ({ query: '{ me { id } }' })));
    await resetMocks();
    const answers = [
      await post(stack.urls.gateway, '/web/graphql', JSON.stringify({ query: depth50 }), auth),
      await post(stack.urls.gateway, '/web/graphql', JSON.stringify({ query: aliases }), auth),
      await post(stack.urls.gateway, '/web/graphql', huge, auth),
      await post(stack.urls.gateway, '/web/graphql', batch, auth),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 413, 400]);
    expect(answers.map((a) => a.body.errors[0].extensions.code)).toEqual([
      'QUERY_TOO_COMPLEX',
      'QUERY_TOO_COMPLEX',
      'PAYLOAD_TOO_LARGE',
      'BAD_REQUEST',
    ]);
    expect(await mockCalls()).toBe(0);
  });

  it('variables nested 100,000 deep or with 100,000 values are refused with 400, alone and in a batch, before any service call', async () => {
    const auth = { authorization: `Bearer ${await stack.token('web', 'u-3')}` };
    const query = 'query P($id: ID!) { product(id: $id) { id } }';
    const deep = `{"id":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const wide = JSON.stringify({ id: Array.from({ length: 100_000 }, () => 1) });
    const single = (variables: string) =>
      `{"query":${JSON.stringify(query)},"variables":${variables}}`;
    await resetMocks();
    const answers = [
      await post(stack.urls.gateway, '/web/graphql', single(deep), auth),
      await post(
        stack.urls.gateway,
        '/web/graphql',
        `[${single('{"id":"p-1"}')},${single(deep)}]`,
        auth,
      ),
      await post(stack.urls.gateway, '/web/graphql', single(wide), auth),
      await post(stack.urls.gateway, '/web/graphql', `[${single(wide)}]`, auth),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400]);
    expect(answers.map((a) => a.body.errors[0].extensions)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', limit: 'variablesDepth', max: 10, actual: 11 },
      { code: 'QUERY_TOO_COMPLEX', limit: 'variablesDepth', max: 10, actual: 11 },
      { code: 'QUERY_TOO_COMPLEX', limit: 'variablesValues', max: 1000, actual: 1001 },
      { code: 'QUERY_TOO_COMPLEX', limit: 'variablesValues', max: 1000, actual: 1001 },
    ]);
    expect(await mockCalls()).toBe(0);
  });

  it('two gateway processes on one Redis allow exactly the limit between them', async () => {
    const auth = { authorization: `Bearer ${await stack.token('web', 'u-7')}` };
    const body = JSON.stringify({ query: '{ me { id } }' });
    const bases = [stack.urls.gateway, secondUrl];
    const answers: GqlAnswer[] = [];
    for (let i = 0; i < 2 * LIMIT; i += 20) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, j) =>
            post(bases[(i + j) % 2] ?? stack.urls.gateway, '/web/graphql', body, auth),
          ),
        )),
      );
    }
    expect(answers.filter((a) => a.status === 200)).toHaveLength(LIMIT);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(LIMIT);
    for (const a of limited) {
      const retryAfter = Number(a.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(a.headers.get('ratelimit')).toMatch(/^"requests";r=0;t=\d+$/);
    }
  });

  it('JWT rejections through the real gateway are 401 UNAUTHENTICATED, never 500', async () => {
    const header = (alg: string) =>
      Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        sub: 'u-1',
        iss: 'https://dev-idp.local',
        aud: 'edge-web',
        iat: now,
        exp: now + 60,
      }),
    ).toString('base64url');
    const cases: [string, Record<string, string>][] = [
      ['/web/graphql', {}],
      ['/web/graphql', { authorization: `Bearer ${header('none')}.${payload}.` }],
      ['/web/graphql', { authorization: `Bearer ${await stack.token('web', 'u-1', -120)}` }],
      ['/mobile/graphql', { authorization: `Bearer ${await stack.token('web', 'u-1')}` }],
    ];
    for (const [path, headers] of cases) {
      const res = await post(
        stack.urls.gateway,
        path,
        JSON.stringify({ query: '{ __typename }' }),
        headers,
      );
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('partner keys: v1 key on v2 is 403, v1 carries Deprecation and Sunset, revoked keys are 401', async () => {
    const apiKey = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v1'],
      tier: 'pro',
    });
    const query = '{ orders(first: 2) { id status } }';
    const v1 = await stack.gql('/partner/v1/graphql', query, { apiKey });
    expect(v1.status).toBe(200);
    expect(v1.headers.get('deprecation')).toBe(`@${Date.parse('2026-01-01T00:00:00Z') / 1000}`);
    expect(v1.headers.get('sunset')).toBe(new Date('2027-01-31T00:00:00Z').toUTCString());
    expect(v1.body.extensions.cost.requestedQueryCost).toBe(2);
    const v2 = await stack.gql('/partner/v2/graphql', query, { apiKey });
    expect(v2.status).toBe(403);
    expect(v2.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const keys = createRedisKeyStore(new Redis(redisUrl));
    try {
      await revokeKey(keys, apiKey.split('_')[1] ?? '');
    } finally {
      await keys.close();
    }
    // Every gateway caches key records for at most 500 ms.
    await new Promise((r) => setTimeout(r, 600));
    for (const base of [stack.urls.gateway, secondUrl]) {
      const res = await post(base, '/partner/v1/graphql', JSON.stringify({ query }), {
        'x-api-key': apiKey,
      });
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });
});
