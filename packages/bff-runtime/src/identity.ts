import type { IncomingMessage } from 'node:http';
import { type Identity, INTERNAL_TOKEN_HEADER, verifyInternalToken } from '@edge/common';
import type { CryptoKey } from 'jose';

/** Verified tokens kept to skip repeated signature checks; the edge reuses a token per caller. */
const MAX_CACHED = 10_000;

/**
 * Verifies the edge-signed identity on every call. Client headers such as Authorization are
 * never trusted here: only a token the edge signed proves who is calling.
 */
export function createIdentityVerifier(key: CryptoKey) {
  const cache = new Map<string, { identity: Identity; expiresAt: number }>();
  return async (req: IncomingMessage): Promise<Identity> => {
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    const raw = typeof token === 'string' ? token : '';
    const hit = cache.get(raw);
    if (hit && hit.expiresAt > Date.now()) return hit.identity;
    const identity = await verifyInternalToken(raw, key);
    if (cache.size >= MAX_CACHED) cache.clear();
    // Cached for less than the token's own lifetime so an expired token is never accepted.
    cache.set(raw, { identity, expiresAt: Date.now() + 30_000 });
    return identity;
  };
}
