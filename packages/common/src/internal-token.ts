import { type CryptoKey, jwtVerify, SignJWT } from 'jose';
import { AppError, ErrorCode } from './errors.js';
import { SIGNING_ALG } from './keys.js';

/** Header that carries the edge-signed identity from the gateway to a BFF. */
export const INTERNAL_TOKEN_HEADER = 'x-edge-identity';
const ISSUER = 'edge-gateway';

export const SURFACES = ['web', 'mobile', 'partner'] as const;
export type Surface = (typeof SURFACES)[number];

/**
 * The audience of internal tokens meant for one surface's BFF: a token the edge signed for the
 * web BFF never passes the partner BFF, whatever identity it carries.
 */
export const internalAudience = (surface: Surface): string => `edge-bff-${surface}`;

/** Every surface's audience, for a service (the orchestrator) that any BFF forwards to. */
export const ALL_INTERNAL_AUDIENCES: readonly string[] = Object.freeze(
  SURFACES.map(internalAudience),
);

/** Who is calling, as established by the edge. BFFs trust nothing else. */
export type Identity =
  | { surface: 'web' | 'mobile'; userId: string }
  | { surface: 'partner'; partnerId: string; keyId: string; tier: string; version: string }
  /** The edge itself, e.g. polling a BFF's schema; it may read the schema and nothing else. */
  | { surface: 'internal'; service: string };

/** Lifetime of an internal token: long enough to cache at the edge, short enough to be useless if leaked. */
export const INTERNAL_TOKEN_TTL_S = 60;

/** Signs `identity` for the BFF of surface `to` (one audience, never a list). */
export async function signInternalToken(
  identity: Identity,
  key: { kid: string; privateKey: CryptoKey },
  to: Surface,
  ttlS = INTERNAL_TOKEN_TTL_S,
): Promise<string> {
  return new SignJWT({ idn: identity })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid })
    .setIssuer(ISSUER)
    .setAudience(internalAudience(to))
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(key.privateKey);
}

/** A verified edge identity and the instant its token stops being valid. */
export interface VerifiedIdentity {
  identity: Identity;
  /** Milliseconds since the epoch: caches of this identity must drop it by then. */
  expiresAtMs: number;
}

const invalid = () => new AppError(ErrorCode.UNAUTHENTICATED, 'Missing or invalid edge identity');

/**
 * A token must name exactly one audience, among `audiences`, and carry an identity of that
 * audience's surface (or the edge's own `internal` identity, which may only read schemas).
 */
function audienceFits(aud: unknown, identity: Identity, audiences: readonly string[]): boolean {
  if (typeof aud !== 'string' || !audiences.includes(aud)) return false;
  return identity.surface === 'internal' || internalAudience(identity.surface) === aud;
}

/**
 * Verifies an edge-signed identity for a service that accepts `audiences` (a BFF: its own
 * surface's; the orchestrator: `ALL_INTERNAL_AUDIENCES`).
 */
export async function verifyInternalToken(
  token: string,
  key: CryptoKey,
  audiences: readonly string[],
): Promise<VerifiedIdentity> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: [...audiences],
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp', 'iat'],
      clockTolerance: 5,
    }));
  } catch {
    throw invalid();
  }
  const identity = payload['idn'] as Identity;
  if (!audienceFits(payload.aud, identity, audiences)) throw invalid();
  return { identity, expiresAtMs: (payload.exp ?? 0) * 1000 };
}
