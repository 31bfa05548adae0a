import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { BIDI_CONTROLS } from './display-text.js';

/** Asymmetric algorithms only: a token "signed" with our public key as an HMAC never verifies. */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

/** Longest `sub` accepted: it keys rate limits and order ownership, and names audit actors. */
const MAX_SUBJECT_LENGTH = 256;

/** `typ` values of an access token (RFC 7519, RFC 9068); absent is accepted too. */
const ACCEPTED_TYP = ['jwt', 'at+jwt'];
const normalizeTyp = (typ: string) => typ.toLowerCase().replace(/^application\//, '');

/**
 * What jose leaves to the caller, as our policy for user and operator tokens alike (docs/edge.md):
 * exactly one audience (a token naming web and mobile works on neither), `iat` not in the future
 * beyond the skew, `sub` a string of 1 to MAX_SUBJECT_LENGTH characters, not only spaces, without
 * control or bidirectional characters (it is written to logs and shown in the audit trail), and a
 * JWT access-token `typ`. Returns
 * why a token breaks it, if it does.
 */
export function accessTokenPolicyViolation(
  payload: JWTPayload,
  header: JWTHeaderParameters,
  nowS: number,
  toleranceS: number,
): string | undefined {
  const { aud, iat, sub } = payload;
  if (Array.isArray(aud) && aud.length !== 1) return 'claim_aud';
  if (typeof iat !== 'number' || iat > nowS + toleranceS) return 'claim_iat';
  if (
    typeof sub !== 'string' ||
    sub.trim().length === 0 ||
    sub.length > MAX_SUBJECT_LENGTH ||
    /\p{Cc}/u.test(sub) ||
    BIDI_CONTROLS.test(sub)
  ) {
    return 'claim_sub';
  }
  if (header.typ !== undefined && !ACCEPTED_TYP.includes(normalizeTyp(header.typ))) return 'typ';
  return undefined;
}
