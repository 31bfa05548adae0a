import type { IncomingMessage } from 'node:http';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { ACCESS_TOKEN_ALGORITHMS, accessTokenPolicyViolation } from './access-token-policy.js';
import { AppError, ErrorCode } from './errors.js';
import { loadOrCreateSigningKey } from './keys.js';

/** Where operator tokens are checked: the company IdP's JWKS, or the dev IdP's key file. */
export type OperatorKeys = { kind: 'jwks'; url: string } | { kind: 'dev-key-file'; file: string };

/** What a signed-in person may do: viewers read, operators also replay, resolve and edit. */
export type OperatorRole = 'viewer' | 'operator';

export interface Operator {
  /** The token's `sub`: what every audit record names. Never a name typed into a form. */
  subject: string;
  role: OperatorRole;
  /** Epoch seconds; the session cookie dies with the token. */
  expiresAt: number;
}

export interface OperatorVerifierOptions {
  keys: OperatorKeys;
  issuer: string;
  audience: string;
  /** Seconds of clock skew tolerated on exp/nbf; default 30. */
  clockToleranceS?: number;
}

/** One message for every bad token, so a caller cannot probe which check failed. */
const invalid = () => new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid or expired operator token');

/** `roles` as an array or a single string; the strongest role present wins. */
function roleOf(payload: JWTPayload): OperatorRole {
  const raw = payload['roles'];
  const roles = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  if (roles.includes('operator')) return 'operator';
  if (roles.includes('viewer')) return 'viewer';
  throw new AppError(ErrorCode.FORBIDDEN, 'Your token carries no viewer or operator role');
}

async function keySet(keys: OperatorKeys): Promise<JWTVerifyGetKey> {
  switch (keys.kind) {
    case 'jwks':
      // Only the configured JWKS, never a URL a token names; jose caches keys and refetches
      // an unknown kid at most every 30 s.
      return createRemoteJWKSet(new URL(keys.url), { timeoutDuration: 2000 });
    case 'dev-key-file': {
      // The dev stack is its own identity provider: the CLI mints with this key file.
      const { publicJwk } = await loadOrCreateSigningKey(keys.file);
      return createLocalJWKSet({ keys: [publicJwk] });
    }
  }
}

/**
 * Checks operator tokens (issuer, operator audience, exp, a role, and the edge's token policy)
 * against the configured keys.
 */
export async function createOperatorVerifier(options: OperatorVerifierOptions) {
  const keys = await keySet(options.keys);
  return async (token: string): Promise<Operator> => {
    const clockTolerance = options.clockToleranceS ?? 30;
    let payload: JWTPayload;
    try {
      let protectedHeader: JWTHeaderParameters;
      ({ payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        clockTolerance,
        requiredClaims: ['exp', 'sub', 'iat'],
      }));
      // The edge's policy: the subject is every audit record's actor.
      const nowS = Math.floor(Date.now() / 1000);
      if (accessTokenPolicyViolation(payload, protectedHeader, nowS, clockTolerance)) {
        throw invalid();
      }
    } catch {
      throw invalid();
    }
    return { subject: payload.sub ?? '', role: roleOf(payload), expiresAt: payload.exp ?? 0 };
  };
}

export type OperatorVerifier = Awaited<ReturnType<typeof createOperatorVerifier>>;

const RANK: Record<OperatorRole, number> = { viewer: 0, operator: 1 };

/** The token of `Authorization: Bearer <token>`, if the header is sent; any other scheme is refused. */
export function bearerTokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1])
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'Authorization must be Bearer <token>');
  return match[1];
}

/** The refusal of a call that needs an operator and came with no credential at all. */
export const signInRequired = () =>
  new AppError(ErrorCode.UNAUTHENTICATED, 'Sign in: send Authorization: Bearer <operator token>');

/** Refuses an operator whose role is below `need` (an operator may do what a viewer may). */
export function assertRole(who: Operator, need: OperatorRole): void {
  if (RANK[who.role] < RANK[need]) {
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `This action needs the ${need} role; you are a ${who.role}`,
    );
  }
}

/**
 * The operator calling with a Bearer token and at least the `need` role: 401 without a valid
 * token, 403 below the role. For processes whose operator routes never face a browser (no
 * session cookie, so no CSRF to check).
 */
export async function bearerOperator(
  verify: OperatorVerifier,
  req: IncomingMessage,
  need: OperatorRole,
): Promise<Operator> {
  const token = bearerTokenOf(req);
  if (!token) throw signInRequired();
  const who = await verify(token);
  assertRole(who, need);
  return who;
}
