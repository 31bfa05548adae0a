import type { IncomingMessage } from 'node:http';
import {
  type Identity,
  INTERNAL_TOKEN_HEADER,
  internalAudience,
  type Surface,
  type VerifiedIdentity,
  verifyInternalToken,
} from '@edge/common';
import type { CryptoKey } from 'jose';

/** Verified tokens kept to skip repeated signature checks; the edge reuses a token per caller. */
const MAX_CACHED = 10_000;

/**
 * Verifies the edge-signed identity on every call. Client headers such as Authorization are
 * never trusted here: only a token the edge signed for this surface's audience proves who is
 * calling.
 */
export function createIdentityVerifier(key: CryptoKey, surface: Surface) {
  const audiences = [internalAudience(surface)];
  const cache = new Map<string, VerifiedIdentity>();
  return async (req: IncomingMessage): Promise<Identity> => {
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    const raw = typeof token === 'string' ? token : '';
    const hit = cache.get(raw);
    // An entry lives exactly as long as its token: an expired token is never accepted.
    if (hit && hit.expiresAtMs > Date.now()) return hit.identity;
    if (hit) cache.delete(raw);
    const verified = await verifyInternalToken(raw, key, audiences);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(raw, verified);
    return verified.identity;
  };
}
