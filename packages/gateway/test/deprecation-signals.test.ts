import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture.js';

const SUNSET = '2027-03-01T00:00:00Z';
const DEPRECATED_AT = '2026-06-01T00:00:00Z';

describe('deprecation signals', () => {
  let fx: GatewayFixture;
  let web: Record<string, string>;
  beforeAll(async () => {
    fx = await startGatewayFixture({
      FIELD_DEPRECATIONS: JSON.stringify({
        'User.nickname': { deprecatedAt: DEPRECATED_AT, sunsetAt: SUNSET },
      }),
    });
    web = {
      authorization: `Bearer ${await fx.token('web', 'u-1')}`,
      'apollographql-client-name': 'web',
    };
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('an operation selecting a @deprecated field answers Deprecation, Sunset and extensions.deprecations', async () => {
    const res = await fx.post('/web/graphql', { query: '{ me { id nickname } }' }, web);
    expect(res.status).toBe(200);
    expect(res.headers.get('deprecation')).toBe(`@${Date.parse(DEPRECATED_AT) / 1000}`);
    expect(res.headers.get('sunset')).toBe(new Date(SUNSET).toUTCString());
    expect(res.body).toEqual({
      data: { me: { id: 'u-1', name: 'Ada' } },
      extensions: { deprecations: ['User.nickname'] },
    });
  });

  it('through a fragment too; the same operation without the field carries no signal', async () => {
    const viaFragment = await fx.post(
      '/web/graphql',
      { query: 'query Q { me { ...F } } fragment F on User { friends(first: 2) { nickname } }' },
      web,
    );
    expect(viaFragment.headers.get('deprecation')).not.toBeNull();
    expect(viaFragment.body.extensions.deprecations).toEqual(['User.nickname']);
    const plain = await fx.post('/web/graphql', { query: '{ me { id name } }' }, web);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('deprecation')).toBeNull();
    expect(plain.headers.get('sunset')).toBeNull();
    expect(plain.body.extensions).toBeUndefined();
  });

  it('an answer that served no data (the BFF refused the variables) carries no signal', async () => {
    const refused = await fx.post(
      '/web/graphql',
      { query: '{ me { id nickname } }', variables: { invalid: true } },
      web,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.headers.get('deprecation')).toBeNull();
    expect(refused.headers.get('sunset')).toBeNull();
    expect(refused.body.extensions).toBeUndefined();
    const batch = await fx.post(
      '/web/graphql',
      [{ query: '{ me { nickname } }', variables: { invalid: true } }, { query: '{ me { id } }' }],
      web,
    );
    expect(batch.headers.get('deprecation')).toBeNull();
    expect(batch.body[0].extensions).toBeUndefined();
    const served = await fx.post('/web/graphql', { query: '{ me { id nickname } }' }, web);
    expect(served.headers.get('deprecation')).not.toBeNull();
    expect(served.body.extensions.deprecations).toEqual(['User.nickname']);
  });

  it('in a batch, only the operation that selects the field names it; headers cover the answer', async () => {
    const res = await fx.post(
      '/web/graphql',
      [{ query: '{ me { id } }' }, { query: '{ me { nickname } }' }],
      web,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('deprecation')).not.toBeNull();
    expect(res.body[0].extensions).toBeUndefined();
    expect(res.body[1].extensions.deprecations).toEqual(['User.nickname']);
  });

  it('use is counted per surface, field and client, unregistered clients as "other"', async () => {
    // Four answers served the field; the two the BFF refused are not counted.
    const metrics = await (await fetch(`${fx.gateways[0]?.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^edge_deprecated_field_requests_total\{surface="web",field="User.nickname",client="other",service="gateway"\} 4$/m,
    );
  });
});
