import { AppError, ErrorCode, isAppError } from '@edge/common';
import {
  createRemoteJWKSet,
  errors,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';

export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer: string;
  /** Seconds of clock skew tolerated on exp/nbf; default 30. */
  clockToleranceS?: number;
  /** How long fetched keys are trusted before a refetch; default 10 min. */
  jwksCacheMaxAgeMs?: number;
  /** Least time between refetches triggered by an unknown `kid`; default 30 s. */
  jwksCooldownMs?: number;
}

/** Asymmetric algorithms only: an HS256 token "signed" with our public key must never verify. */
export const ALLOWED_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

export const DEFAULT_JWT = Object.freeze({
  clockToleranceS: 30,
  jwksCacheMaxAgeMs: 10 * 60_000,
  jwksCooldownMs: 30_000,
});

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

/** Longest `sub` accepted: it keys rate limits and order ownership. */
export const MAX_SUBJECT_LENGTH = 256;

/** `typ` values of a user access token (RFC 7519, RFC 9068); absent is accepted too. */
const ACCEPTED_TYP = ['jwt', 'at+jwt'];
const normalizeTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, '');

/**
 * What jose leaves to the caller, as our policy (docs/edge.md): exactly one audience (a token
 * naming web and mobile works on neither), `iat` not in the future beyond the skew, `sub` a
 * non-empty string, and a JWT access-token `typ`. Returns why a token breaks it, if it does.
 */
function policyViolation(
  payload: JWTPayload,
  header: JWTHeaderParameters,
  nowS: number,
  toleranceS: number,
): string | undefined {
  const { aud, iat, sub } = payload;
  if (Array.isArray(aud) && aud.length !== 1) return 'claim_aud';
  if (typeof iat !== 'number' || iat > nowS + toleranceS) return 'claim_iat';
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    return 'claim_sub';
  }
  if (header.typ !== undefined && !ACCEPTED_TYP.includes(normalizeTyp(header.typ))) return 'typ';
  return undefined;
}

/**
 * Verifies user tokens against the configured JWKS only (never a URL the token names). Keys are
 * cached and an unknown `kid` refetches at most once per cooldown, so rotation works and a
 * stream of bogus kids cannot hammer the identity provider.
 */
export function createJwtVerifier(options: JwtVerifierOptions) {
  const o = { ...DEFAULT_JWT, ...options };
  const jwks = createRemoteJWKSet(new URL(o.jwksUrl), {
    cacheMaxAge: o.jwksCacheMaxAgeMs,
    cooldownDuration: o.jwksCooldownMs,
    timeoutDuration: 2000,
  });
  // Verified tokens, so a client reusing its token skips the signature check until it expires.
  const verified = new LRUCache<string, { sub: string; exp: number }>({ max: 20_000 });

  return async (token: string, audience: string): Promise<string> => {
    const cacheKey = `${audience} ${token}`;
    const hit = verified.get(cacheKey);
    if (hit && hit.exp * 1000 > Date.now()) return hit.sub;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: o.issuer,
        audience,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: o.clockToleranceS,
        requiredClaims: ['exp', 'sub', 'iat'],
      });
      const nowS = Math.floor(Date.now() / 1000);
      const violation = policyViolation(payload, protectedHeader, nowS, o.clockToleranceS);
      if (violation) throw rejected(violation);
      const sub = payload.sub ?? '';
      verified.set(cacheKey, { sub, exp: payload.exp ?? 0 });
      return sub;
    } catch (err) {
      throw isAppError(err) ? err : rejected(reasonOf(err));
    }
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
