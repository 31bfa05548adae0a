import type { IncomingMessage } from 'node:http';
import {
  createCachedTokenVerifier,
  type Identity,
  INTERNAL_TOKEN_HEADER,
  internalAudience,
  type Surface,
} from '@edge/common';
import type { CryptoKey } from 'jose';

/**
 * Verifies the edge-signed identity on every call. Client headers such as Authorization are
 * never trusted here: only a token the edge signed for this surface's audience proves who is
 * calling.
 */
export function createIdentityVerifier(key: CryptoKey, surface: Surface) {
  const verify = createCachedTokenVerifier(key, [internalAudience(surface)]);
  return async (req: IncomingMessage): Promise<Identity> => {
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    return verify(typeof token === 'string' ? token : '');
  };
}
