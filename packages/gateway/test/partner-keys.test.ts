import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeKey, rotateKey } from '../src/api-keys';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const SUNSET = '2027-01-31T00:00:00.000Z';
const QUERY = { query: '{ orders(first: 2) { id status } }' };

describe('partner keys through the gateway', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture({
      PARTNER_V1_DEPRECATED_AT: '2026-01-01T00:00:00Z',
      PARTNER_V1_SUNSET_AT: SUNSET,
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  const call = (key: string, version = 'v1', gateway = fx.gateways[0]) =>
    fx.post(`/partner/${version}/graphql`, QUERY, { 'x-api-key': key }, gateway);
  const expect401 = async (key: string) => {
    const res = await call(key);
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  };

  it('a valid key is answered with its query cost in extensions and RateLimit headers', async () => {
    const { key } = await fx.partnerKey({ partnerId: 'acme', versions: ['v1'], tier: 'free' });
    const res = await call(key);
    expect(res.status).toBe(200);
    expect(res.body.extensions.cost).toEqual({
      requestedQueryCost: 2,
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 998, restoreRate: 16.67 },
    });
    expect(res.headers.get('ratelimit-policy')).toBe('"requests";q=120;w=60, "cost";q=1000;w=60');
    expect(res.headers.get('ratelimit')).toMatch(/^"requests";r=119;t=\d+, "cost";r=998;t=\d+$/);
  });

  it('calls to deprecated v1 carry Deprecation and Sunset headers; v2 does not', async () => {
    const { key } = await fx.partnerKey({ partnerId: 'acme', versions: ['v1', 'v2'], tier: 'pro' });
    const v1 = await call(key, 'v1');
    expect(v1.headers.get('deprecation')).toBe(`@${Date.parse('2026-01-01T00:00:00Z') / 1000}`);
    expect(v1.headers.get('sunset')).toBe(new Date(SUNSET).toUTCString());
    const v2 = await call(key, 'v2');
    expect(v2.status).toBe(200);
    expect(v2.headers.get('deprecation')).toBeNull();
  });

  it('a v1 key calling v2 returns 403 FORBIDDEN', async () => {
    const { key } = await fx.partnerKey({ partnerId: 'acme', versions: ['v1'], tier: 'free' });
    const res = await call(key, 'v2');
    expect(res.status).toBe(403);
    expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('an expired key returns 401 UNAUTHENTICATED', async () => {
    const { key } = await fx.partnerKey({
      partnerId: 'acme',
      versions: ['v1'],
      tier: 'free',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    await expect401(key);
  });

  it('a mistyped key returns 401 UNAUTHENTICATED', async () => {
    const { key } = await fx.partnerKey({ partnerId: 'acme', versions: ['v1'], tier: 'free' });
    await expect401(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`);
  });

  it('a revoked key returns 401 on every gateway instance within a second', async () => {
    const second = await fx.addGateway();
    const { key, keyId } = await fx.partnerKey({
      partnerId: 'acme',
      versions: ['v1'],
      tier: 'pro',
    });
    expect((await call(key, 'v1', fx.gateways[0])).status).toBe(200);
    expect((await call(key, 'v1', second)).status).toBe(200);
    const revokedAt = Date.now();
    await revokeKey(fx.keys, keyId);
    const pending = new Set([fx.gateways[0], second]);
    while (pending.size > 0 && Date.now() - revokedAt < 2000) {
      for (const gateway of [...pending]) {
        if ((await call(key, 'v1', gateway)).status === 401) pending.delete(gateway);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(pending.size).toBe(0);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('a rotated key works during its grace period and returns 401 after it', async () => {
    const { key, keyId } = await fx.partnerKey({
      partnerId: 'acme',
      versions: ['v1'],
      tier: 'pro',
    });
    const graceMs = 1200;
    const rotated = await rotateKey(fx.keys, keyId, graceMs);
    const rotatedAt = Date.now();
    expect((await call(rotated.key)).status).toBe(200);
    expect((await call(key)).status).toBe(200);
    // The old key's expiry is a wall-clock time in the store; wait it out plus the cache TTL.
    await new Promise((r) => setTimeout(r, graceMs + 600 - (Date.now() - rotatedAt)));
    await expect401(key);
    expect((await call(rotated.key)).status).toBe(200);
  });
});
