import type { IncomingMessage } from 'node:http';
import { AppError, ErrorCode, type Identity } from '@edge/common';
import { verifyKey } from './api-keys.js';
import type { JwtVerifier } from './jwt.js';
import { cachedKeyStore } from './key-cache.js';
import type { KeyStore } from './key-store.js';
import type { SurfaceDef } from './surfaces.js';

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ', 2);
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

export function createAuthenticator(deps: { verifyJwt: JwtVerifier; keys: KeyStore }) {
  const keys = cachedKeyStore(deps.keys);
  return async (surface: SurfaceDef, req: IncomingMessage): Promise<Identity> => {
    const { auth } = surface;
    if (auth.kind === 'jwt') {
      const token = bearer(req);
      if (!token) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Missing bearer token');
      const userId = await deps.verifyJwt(token, auth.audience);
      return { surface: auth.surface, userId };
    }
    const headerKey = req.headers['x-api-key'];
    const presented = (typeof headerKey === 'string' ? headerKey : undefined) ?? bearer(req);
    if (!presented) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Missing API key');
    const record = await verifyKey(keys, presented);
    if (!record.versions.includes(auth.version)) {
      throw new AppError(ErrorCode.FORBIDDEN, `This key may not call API ${auth.version}`, {
        details: { allowedVersions: record.versions },
      });
    }
    return {
      surface: 'partner',
      partnerId: record.partnerId,
      keyId: record.keyId,
      tier: record.tier,
      version: auth.version,
    };
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
