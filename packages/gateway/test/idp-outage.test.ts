import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '@edge/testkit';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../src/gateway-server';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const ISSUER = 'https://idp.test';

type Mode = 'ok' | 'reset' | 'huge' | 'many-keys';

/** An identity provider whose failures the test chooses; it counts every fetch that reached it. */
async function startIdp() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256', { extractable: true });
  const jwkOf = async (key: CryptoKey, kid: string): Promise<JWK> => ({
    ...(await exportJWK(key)),
    kid,
    alg: 'ES256',
    use: 'sig',
  });
  const keyA = await jwkOf(publicKey, 'key-a');
  const keyB = await jwkOf(other.publicKey, 'key-b');
  const state = { mode: 'ok' as Mode, published: [keyA], fetches: 0 };
  const server: Server = createServer((req, res) => {
    state.fetches++;
    switch (state.mode) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: state.published }));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'huge':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"keys":[],"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`);
        return;
      case 'many-keys':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: Array.from({ length: 1000 }, () => keyA) }));
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let n = 0;
  const sign = (key: CryptoKey, kid: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      // A new subject each time, so no token is answered from the verified-token cache.
      .setSubject(`u-${++n}`)
      .setIssuer(ISSUER)
      .setAudience('edge-web')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
  return {
    state,
    keyA,
    keyB,
    url: `http://127.0.0.1:${port}/jwks.json`,
    tokenA: () => sign(privateKey, 'key-a'),
    tokenB: () => sign(other.privateKey, 'key-b'),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

type Idp = Awaited<ReturnType<typeof startIdp>>;

/** A sample's value from /metrics: the line of `name` carrying `label` (if given). */
async function metric(
  gateway: RunningGateway | undefined,
  name: string,
  label = '',
): Promise<number> {
  const text = await (await fetch(`${gateway?.url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return Number(found?.split(' ').at(-1) ?? 0);
}

async function readiness(gateway: RunningGateway | undefined) {
  const res = await fetch(`${gateway?.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { idp?: string } };
}

/** Waits for the wall clock to pass an instant (cache ages are the clock's business). */
/** The stale limit of the stale-keys test. */
const STALE_MAX_AGE_MS = 4000;

async function until(instantMs: number): Promise<void> {
  while (Date.now() <= instantMs) {
    await new Promise((r) => setTimeout(r, Math.max(1, instantMs - Date.now() + 1)));
  }
}

describe('when the identity provider fails (default JWKS settings unless named)', () => {
  let idp: Idp | undefined;
  let fx: GatewayFixture | undefined;
  afterEach(async () => {
    await fx?.close();
    await idp?.close();
  });

  const start = async (env: Record<string, string> = {}) => {
    idp = await startIdp();
    fx = await startGatewayFixture({
      JWKS_URL: idp.url,
      JWT_ISSUER: ISSUER,
      DEV_IDP: 'false',
      ...env,
    });
    return { idp, fx };
  };
  const call = (f: GatewayFixture, token: string) =>
    f.post('/web/graphql', { query: '{ me { id } }' }, { authorization: `Bearer ${token}` });

  it('an IdP refusing connections: one fetch attempt for 80 requests, each 503 UPSTREAM_UNAVAILABLE with Retry-After, nothing charged', async () => {
    const { idp, fx } = await start();
    idp.state.mode = 'reset';
    const answers = [];
    // 80 valid users behind one address: more than the anonymous limit (60) of that address.
    for (let wave = 0; wave < 8; wave++) {
      const tokens = await Promise.all(Array.from({ length: 10 }, () => idp.tokenA()));
      answers.push(...(await Promise.all(tokens.map((t) => call(fx, t)))));
    }
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([503]));
    for (const a of answers) {
      expect(a.body.errors[0].extensions).toEqual({
        code: 'UPSTREAM_UNAVAILABLE',
        service: 'identity-provider',
      });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(idp.state.fetches).toBe(1);
    expect(fx.bff.calls()).toEqual({});
    const gateway = fx.gateways[0];
    expect(await metric(gateway, 'gateway_idp_unavailable_total')).toBe(80);
    expect(await metric(gateway, 'gateway_jwks_fetch_total', 'outcome="failed"')).toBe(1);
    expect(await readiness(gateway)).toEqual({
      status: 200,
      body: { status: 'ready', idp: 'unavailable' },
    });
    // Nothing was charged: once the IdP answers, the same address is served.
    idp.state.mode = 'ok';
  });

  it('a 10 MB JWKS and a JWKS of 1,000 keys are refused, never used: 503', async () => {
    for (const mode of ['huge', 'many-keys'] as const) {
      const started = await start();
      started.idp.state.mode = mode;
      const res = await call(started.fx, await started.idp.tokenA());
      expect(res.status).toBe(503);
      const gateway = started.fx.gateways[0];
      expect(await metric(gateway, 'gateway_jwks_fetch_total', 'outcome="failed"')).toBe(1);
      await started.fx.close();
      await started.idp.close();
      fx = undefined;
      idp = undefined;
    }
  });

  it('the last good keys keep serving new tokens while refreshes fail, up to the stale limit', async () => {
    // Short ages (and cooldown, which bounds every attempt) so the test sees them pass; the
    // stale limit long enough that the steps inside it fit on a loaded machine.
    const { idp, fx } = await start({
      JWKS_COOLDOWN_MS: '200',
      JWKS_CACHE_MAX_AGE_MS: '300',
      JWKS_STALE_MAX_AGE_MS: String(STALE_MAX_AGE_MS),
    });
    expect((await call(fx, await idp.tokenA())).status).toBe(200);
    const fetchedAt = Date.now();
    idp.state.mode = 'reset';
    await until(fetchedAt + 300);
    expect((await call(fx, await idp.tokenA())).status).toBe(200);
    expect((await readiness(fx.gateways[0])).body.idp).toBe('stale');
    // The refresh runs behind the answer: wait for its failure to be counted.
    await waitUntil('the failed refresh counted', async () => {
      const failed = await metric(fx.gateways[0], 'gateway_jwks_fetch_total', 'outcome="failed"');
      return failed >= 1;
    });
    expect((await call(fx, await idp.tokenA())).status).toBe(200);
    await until(fetchedAt + STALE_MAX_AGE_MS);
    const past = await call(fx, await idp.tokenA());
    expect(past.status).toBe(503);
    expect((await readiness(fx.gateways[0])).body.idp).toBe('unavailable');
  });

  it('removing a key from the JWKS revokes the tokens already verified with it', async () => {
    // As the JWT tests do: a short cooldown so a rotation is seen within the test.
    const { idp, fx } = await start({ JWKS_COOLDOWN_MS: '200' });
    const token = await idp.tokenA();
    expect((await call(fx, token)).status).toBe(200);
    expect((await call(fx, token)).status).toBe(200);
    idp.state.published = [idp.keyB];
    // A token of the new key makes the gateway refetch once the cooldown has passed.
    const rotated = await idp.tokenB();
    await waitUntil(
      'the rotated key accepted',
      async () => (await call(fx, rotated)).status === 200,
    );
    const revoked = await call(fx, token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
