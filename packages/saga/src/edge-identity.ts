import type { IncomingMessage } from 'node:http';
import {
  ALL_INTERNAL_AUDIENCES,
  AppError,
  createCachedTokenVerifier,
  ErrorCode,
  type Identity,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  loadPublicKey,
} from '@edge/common';

/** A customer as the edge established it: a signed-in user, or a partner's key. */
export type Customer = Exclude<Identity, { surface: 'internal' }>;

/**
 * Verifies the identity the edge signed and a BFF forwarded with the call. It is the only
 * source of who places or cancels an order: nothing in the body can name another user.
 */
export async function createEdgeIdentityVerifier(options: {
  publicKeyFile: string;
  /** Outside production a missing key file is created, as the dev stack does at start. */
  production: boolean;
}) {
  if (!options.production) await loadOrCreateSigningKey(options.publicKeyFile);
  const { key } = await loadPublicKey(options.publicKeyFile);
  // Any BFF forwards here, so every surface's audience is accepted; the identity inside must
  // still be of the surface its audience names.
  const verify = createCachedTokenVerifier(key, ALL_INTERNAL_AUDIENCES);
  return async (req: IncomingMessage): Promise<Customer> => {
    const header = req.headers[INTERNAL_TOKEN_HEADER];
    if (typeof header !== 'string' || header === '') {
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Missing edge identity');
    }
    const identity = await verify(header);
    if (identity.surface === 'internal') {
      throw new AppError(ErrorCode.FORBIDDEN, 'Order operations need a user or partner');
    }
    return identity;
  };
}

export type EdgeIdentityVerifier = Awaited<ReturnType<typeof createEdgeIdentityVerifier>>;
