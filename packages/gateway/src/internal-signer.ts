import {
  type Identity,
  INTERNAL_TOKEN_TTL_S,
  type SigningKey,
  type Surface,
  signInternalToken,
} from '@edge/common';

/**
 * Signs the identity the edge forwards to the BFF of surface `to`, for that BFF's audience only.
 * A token is reused for half its lifetime, so the hot path pays one signature per caller per
 * 30 s instead of one per request.
 */
export function createInternalSigner(key: SigningKey) {
  const cache = new Map<string, { token: string; renewAt: number }>();
  const reuseMs = (INTERNAL_TOKEN_TTL_S * 1000) / 2;
  return async (identity: Identity, to: Surface): Promise<string> => {
    const cacheKey = JSON.stringify([to, identity]);
    const hit = cache.get(cacheKey);
    const now = Date.now();
    if (hit && hit.renewAt > now) return hit.token;
    const token = await signInternalToken(identity, key, to);
    if (cache.size > 50_000) cache.clear();
    cache.set(cacheKey, { token, renewAt: now + reuseMs });
    return token;
  };
}

export type InternalSigner = ReturnType<typeof createInternalSigner>;
