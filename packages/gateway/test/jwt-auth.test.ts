import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const ISSUER = 'https://idp.test';
const COOLDOWN_MS = 200;

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT authentication through the gateway', () => {
  let fx: GatewayFixture;
  let jwksServer: Server;
  let published: JWK[] = [];
  let keyA: TestKey;
  let keyB: TestKey;

  const sign = (
    key: TestKey,
    claims: { aud?: string; iss?: string; exp?: number; nbf?: number; kid?: string } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: claims.kid ?? key.kid })
      .setSubject('u-1')
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? 'edge-web')
      .setIssuedAt(now - 5)
      .setNotBefore(claims.nbf ?? now - 5)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(key.privateKey);
  };
  const call = (path: string, token?: string) =>
    fx.post(path, { query: '{ me { id } }' }, token ? { authorization: `Bearer ${token}` } : {});
  const expect401 = async (path: string, token?: string) => {
    const res = await call(path, token);
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(fx.bff.calls()).toEqual({});
  };

  beforeAll(async () => {
    keyA = await newKey('key-a');
    keyB = await newKey('key-b');
    published = [keyA.jwk];
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    fx = await startGatewayFixture({
      JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      JWT_ISSUER: ISSUER,
      JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
      DEV_IDP: 'false',
    });
  });
  afterAll(async () => {
    await fx?.close();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  it('a valid token reaches the BFF', async () => {
    const res = await call('/web/graphql', await sign(keyA));
    expect(res.status).toBe(200);
    fx.bff.resetCalls();
  });

  it('missing token returns 401 UNAUTHENTICATED', async () => {
    await expect401('/web/graphql');
  });

  it('bad signature returns 401 UNAUTHENTICATED', async () => {
    const forged = await newKey('key-a');
    await expect401('/web/graphql', await sign(forged));
  });

  it('alg none returns 401 UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64({ alg: 'none', typ: 'JWT' });
    const payload = b64({ sub: 'u-1', iss: ISSUER, aud: 'edge-web', iat: now, exp: now + 600 });
    await expect401('/web/graphql', `${header}.${payload}.`);
  });

  it('HS256 signed with the public key returns 401 UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: keyA.kid });
    const payload = b64({ sub: 'u-1', iss: ISSUER, aud: 'edge-web', iat: now, exp: now + 600 });
    for (const secret of [await exportSPKI(keyA.publicKey), JSON.stringify(keyA.jwk)]) {
      const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await expect401('/web/graphql', `${header}.${payload}.${mac}`);
    }
  });

  it('expired token returns 401 UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401('/web/graphql', await sign(keyA, { exp: now - 120 }));
  });

  it('not-yet-valid token returns 401 UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401('/web/graphql', await sign(keyA, { nbf: now + 300 }));
  });

  it('wrong issuer returns 401 UNAUTHENTICATED', async () => {
    await expect401('/web/graphql', await sign(keyA, { iss: 'https://evil.test' }));
  });

  it('web token on mobile returns 401 UNAUTHENTICATED', async () => {
    await expect401('/mobile/graphql', await sign(keyA, { aud: 'edge-web' }));
  });

  /** A token signed by the IdP's key with claims and header exactly as given. */
  const signRaw = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      sub: 'u-1',
      iss: ISSUER,
      aud: 'edge-web',
      iat: now - 5,
      exp: now + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: keyA.kid, ...header })
      .sign(keyA.privateKey);
  };

  it('a token naming both the web and the mobile audience returns 401 on both surfaces', async () => {
    const both = await signRaw({ aud: ['edge-web', 'edge-mobile'] });
    await expect401('/web/graphql', both);
    await expect401('/mobile/graphql', both);
  });

  it('an iat in the future, a non-string sub, a sub with control characters and a wrong typ return 401 UNAUTHENTICATED', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401('/web/graphql', await signRaw({ iat: now + 3600 }));
    await expect401('/web/graphql', await signRaw({ sub: 42 }));
    await expect401('/web/graphql', await signRaw({ sub: ['u-1'] }));
    await expect401('/web/graphql', await signRaw({ sub: '' }));
    // The subject keys limits and ownership and is logged: no line breaks or NULs in it.
    await expect401('/web/graphql', await signRaw({ sub: 'u-1\r\nu-2\u0000' }));
    await expect401('/web/graphql', await signRaw({}, { typ: 'logout+jwt' }));
    // What the policy accepts: typ JWT or at+jwt (or none), one audience as a one-item list.
    for (const token of [
      await signRaw({}, { typ: 'at+jwt' }),
      await signRaw({ aud: ['edge-web'] }, { typ: 'JWT' }),
    ]) {
      expect((await call('/web/graphql', token)).status).toBe(200);
    }
    fx.bff.resetCalls();
  });

  it('unknown kid returns 401, then the rotated JWKS is picked up after the cooldown', async () => {
    const token = await sign(keyB);
    await expect401('/web/graphql', token);
    published = [keyA.jwk, keyB.jwk];
    let status = 0;
    // The refetch is bounded by the cooldown: poll until it has passed (a few hundred ms).
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      status = (await call('/web/graphql', token)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, COOLDOWN_MS / 2));
    }
    expect(status).toBe(200);
  });
});
