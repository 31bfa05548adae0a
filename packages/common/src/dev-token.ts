import { SignJWT } from 'jose';
import { SIGNING_ALG, type SigningKey } from './keys.js';

export interface DevTokenClaims {
  userId: string;
  issuer: string;
  audience: string;
  /** Lifetime in seconds; default 3600. */
  ttlS?: number;
  /** Operator tokens carry `roles` (`viewer`, `operator`); user tokens none. */
  roles?: string[];
}

/** A user token as the dev identity provider issues it (the CLI's `token` and the tests). */
export function mintDevToken(key: SigningKey, claims: DevTokenClaims): Promise<string> {
  return new SignJWT(claims.roles ? { roles: claims.roles } : {})
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${claims.ttlS ?? 3600}s`)
    .sign(key.privateKey);
}
