import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@edge/common';
import { startTestBff, type TestBff } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerSchemas } from '../src/partner-schemas';
import { ACME_V2 } from './identities';

describe('bff-partner accepts only edge identities signed for the partner audience', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({ name: 'bff-partner', schemas: () => partnerSchemas() });
  });
  afterAll(async () => {
    await bff?.close();
  });

  const post = async (token: string) => {
    const res = await fetch(`${bff.bff.url}/v2/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
      body: JSON.stringify({ query: '{ orders(first: 1) { id } }' }),
    });
    return { status: res.status, body: (await res.json()) as { errors?: unknown[] } };
  };

  it('a token the edge signed for the web BFF returns 401 UNAUTHENTICATED', async () => {
    const key = await bff.signingKey();
    for (const identity of [{ surface: 'web', userId: 'u-1' } as const, ACME_V2]) {
      const res = await post(await signInternalToken(identity, key, 'web'));
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    // A web identity signed for the partner audience is refused too: the surfaces must agree.
    const crossed = await post(
      await signInternalToken({ surface: 'web', userId: 'u-1' }, key, 'partner'),
    );
    expect(crossed.status).toBe(401);
    expect((await post(await signInternalToken(ACME_V2, key, 'partner'))).status).toBe(200);
  });

  it('a cached identity is refused once its token has expired', async () => {
    const key = await bff.signingKey();
    const token = await signInternalToken(ACME_V2, key, 'partner', 1);
    expect((await post(token)).status).toBe(200);
    // Past the expiry and the verifier's 5 s clock skew: the cache must not answer for it.
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    const expiredAtMs = (exp + 5) * 1000;
    await new Promise((resolve) => setTimeout(resolve, expiredAtMs - Date.now() + 50));
    const res = await post(token);
    expect(res.status).toBe(401);
  });

  it("a text/plain POST is refused by Apollo's CSRF prevention, even with a valid identity", async () => {
    const res = await fetch(`${bff.bff.url}/v2/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        [INTERNAL_TOKEN_HEADER]: await signInternalToken(
          ACME_V2,
          await bff.signingKey(),
          'partner',
        ),
      },
      body: JSON.stringify({ query: '{ orders(first: 1) { id } }' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('CSRF');
  });
});
