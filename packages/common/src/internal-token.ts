import { type CryptoKey, jwtVerify, SignJWT } from 'jose';
import { AppError, ErrorCode } from './errors';
import { SIGNING_ALG } from './keys';

/** Header that carries the edge-signed identity from the gateway to a BFF. */
export const INTERNAL_TOKEN_HEADER = 'x-edge-identity';
const ISSUER = 'edge-gateway';
const AUDIENCE = 'bff';

export type Surface = 'web' | 'mobile' | 'partner';

/** Who is calling, as established by the edge. BFFs trust nothing else. */
export type Identity =
  | { surface: 'web' | 'mobile'; userId: string }
  | { surface: 'partner'; partnerId: string; keyId: string; tier: string; version: string }
  /** The edge itself, e.g. polling a BFF's schema; it may read the schema and nothing else. */
  | { surface: 'internal'; service: string };

/** Lifetime of an internal token: long enough to cache at the edge, short enough to be useless if leaked. */
export const INTERNAL_TOKEN_TTL_S = 60;

export async function signInternalToken(
  identity: Identity,
  key: { kid: string; privateKey: CryptoKey },
  ttlS = INTERNAL_TOKEN_TTL_S,
): Promise<string> {
  return new SignJWT({ idn: identity })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(key.privateKey);
}

export async function verifyInternalToken(token: string, key: CryptoKey): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp', 'iat'],
      clockTolerance: 5,
    });
    return payload['idn'] as Identity;
  } catch {
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid edge identity');
  }
}
