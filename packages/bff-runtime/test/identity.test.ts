import {
  createLogger,
  createMetrics,
  type Identity,
  INTERNAL_TOKEN_HEADER,
  type RunningServer,
  SIGNING_ALG,
  sendJson,
  signInternalToken,
  startHttpServer,
} from '@edge/common';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityVerifier } from '../src/identity';

describe('edge identity verifier', () => {
  let server: RunningServer;
  let sign: (identity: Identity) => Promise<string>;
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG);
    sign = (identity) => signInternalToken(identity, { kid: 'k', privateKey }, 'web');
    const verify = createIdentityVerifier(publicKey, 'web');
    server = await startHttpServer({
      service: 'bff-test',
      logger: createLogger({ service: 'bff-test', level: 'silent' }),
      metrics: createMetrics('bff-test'),
      port: 0,
      routes: [
        {
          method: 'POST',
          path: '/graphql',
          // Answers whether the access line will be quiet (debug), which the server reads.
          handler: async (ctx) => {
            const identity = await verify(ctx);
            sendJson(ctx.res, 200, { surface: identity.surface, quiet: ctx.quiet });
          },
        },
      ],
    });
  });
  afterAll(() => server.close());

  const call = async (identity: Identity) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { [INTERNAL_TOKEN_HEADER]: await sign(identity) },
    });
    return res.json();
  };

  it("the gateway's schema poll (its internal identity) is logged at debug", async () => {
    expect(await call({ surface: 'internal', service: 'gateway' })).toEqual({
      surface: 'internal',
      quiet: true,
    });
  });

  it("a client's request stays at info", async () => {
    expect(await call({ surface: 'web', userId: 'u-1' })).toEqual({ surface: 'web', quiet: false });
  });
});
