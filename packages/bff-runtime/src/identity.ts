import {
  createCachedTokenVerifier,
  type Identity,
  INTERNAL_TOKEN_HEADER,
  internalAudience,
  type RequestContext,
  type Surface,
} from '@edge/common';
import type { CryptoKey } from 'jose';

/**
 * Verifies the edge-signed identity on every call. Client headers such as Authorization are
 * never trusted here: only a token the edge signed for this surface's audience proves who is
 * calling.
 *
 * A request carrying the edge's own `internal` identity is the gateway polling this BFF's schema
 * (every SCHEMA_POLL_MS per surface: about two access lines a second on an idle stack, burying
 * the clients'); its access line goes to debug, like the probes'. The verified identity is the
 * marker rather than a header the gateway could add: only the gateway can sign it, the gateway
 * signs it for nothing but its polls, and a client's request can never carry it (the edge
 * signs a client's own identity), so no client request is hidden; a forged or expired one is
 * refused before this and stays at info.
 */
export function createIdentityVerifier(key: CryptoKey, surface: Surface) {
  const verify = createCachedTokenVerifier(key, [internalAudience(surface)]);
  return async (ctx: RequestContext): Promise<Identity> => {
    const token = ctx.req.headers[INTERNAL_TOKEN_HEADER];
    const identity = await verify(typeof token === 'string' ? token : '');
    if (identity.surface === 'internal') ctx.quiet = true;
    return identity;
  };
}
