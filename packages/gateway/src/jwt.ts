import {
  ACCESS_TOKEN_ALGORITHMS,
  AppError,
  accessTokenPolicyViolation,
  ErrorCode,
  isAppError,
} from '@edge/common';
import { errors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { type JwksSource, JwksUnavailableError } from './jwks-source.js';

export interface JwtVerifierOptions {
  /** The identity provider's keys (jwks-source.ts: fetch policy, caps, stale fallback). */
  jwks: JwksSource;
  issuer: string;
  /** Seconds of clock skew tolerated on exp/nbf; default 30. */
  clockToleranceS?: number;
  /** Told when a request is answered 503 because no key could be had from the IdP. */
  onUnavailable?: () => void;
}

export const DEFAULT_JWT = Object.freeze({ clockToleranceS: 30 });

/** One message for every rejection, so a caller cannot probe which check failed. */
const rejected = (reason: string) =>
  new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid or expired token', { details: { reason } });

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim_${err.claim}`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  return 'malformed';
}

/** The IdP failing is our dependency failing: 503 with Retry-After, never the caller's 401. */
const idpUnavailable = (err: JwksUnavailableError) =>
  new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Token verification is unavailable', {
    headers: { 'retry-after': String(err.retryAfterS) },
    details: { service: 'identity-provider' },
    cause: err,
  });

/**
 * Verifies user tokens against the configured JWKS only (never a URL the token names). A
 * verified token is remembered until it expires, and only while the key that verified it is
 * still published: removing a key from the JWKS revokes its tokens at the next key refresh.
 */
export function createJwtVerifier(options: JwtVerifierOptions) {
  const o = { ...DEFAULT_JWT, ...options };
  const verified = new LRUCache<string, { sub: string; exp: number; kid: string }>({
    max: 20_000,
  });

  return async (token: string, audience: string): Promise<string> => {
    const cacheKey = `${audience} ${token}`;
    const hit = verified.get(cacheKey);
    if (hit && hit.exp * 1000 > Date.now() && o.jwks.hasKey(hit.kid)) return hit.sub;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, o.jwks.getKey, {
        issuer: o.issuer,
        audience,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        clockTolerance: o.clockToleranceS,
        requiredClaims: ['exp', 'sub', 'iat'],
      });
      const nowS = Math.floor(Date.now() / 1000);
      const violation = accessTokenPolicyViolation(
        payload,
        protectedHeader,
        nowS,
        o.clockToleranceS,
      );
      if (violation) throw rejected(violation);
      const sub = payload.sub ?? '';
      // A token without a kid is verified every time: there is no key id to re-check.
      if (protectedHeader.kid) {
        verified.set(cacheKey, { sub, exp: payload.exp ?? 0, kid: protectedHeader.kid });
      }
      return sub;
    } catch (err) {
      if (err instanceof JwksUnavailableError) {
        o.onUnavailable?.();
        throw idpUnavailable(err);
      }
      throw isAppError(err) ? err : rejected(reasonOf(err));
    }
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
