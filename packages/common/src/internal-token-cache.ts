import type { CryptoKey } from 'jose';
import { type Identity, type VerifiedIdentity, verifyInternalToken } from './internal-token.js';

/** Verified tokens kept to skip repeated signature checks; the edge reuses a token per caller. */
const MAX_CACHED = 10_000;

/**
 * `verifyInternalToken` that remembers what it verified: the edge reuses one token per caller
 * for half its lifetime, and a signature check (ES256) costs more than the rest of a small
 * request. An entry lives exactly as long as its token: an expired token is never accepted.
 */
export function createCachedTokenVerifier(key: CryptoKey, audiences: readonly string[]) {
  const cache = new Map<string, VerifiedIdentity>();
  return async (token: string): Promise<Identity> => {
    const hit = cache.get(token);
    if (hit && hit.expiresAtMs > Date.now()) return hit.identity;
    if (hit) cache.delete(token);
    const verified = await verifyInternalToken(token, key, audiences);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(token, verified);
    return verified.identity;
  };
}
