import type { Identity, Logger, RequestContext } from '@edge/common';
import { AppError, ErrorCode, propagationHeaders } from '@edge/common';
import { type CallHeaders, createLoaders, type Loaders, type ServiceClients } from '@edge/upstream';

/** What every resolver receives: who is calling, per-request loaders, and shared clients. */
export interface BffContext {
  identity: Identity;
  loaders: Loaders;
  clients: ServiceClients;
  /** Request id and trace context to pass on to every upstream call. */
  callHeaders: CallHeaders;
  log: Logger;
}

export function buildContext(
  ctx: RequestContext,
  identity: Identity,
  clients: ServiceClients,
): BffContext {
  const callHeaders = propagationHeaders(ctx);
  return {
    identity,
    clients,
    callHeaders,
    loaders: createLoaders(clients, callHeaders),
    log: ctx.log,
  };
}

/** The signed-in user's id, or UNAUTHENTICATED for callers that are not end users. */
export function requireUser(context: BffContext): string {
  const { identity } = context;
  if (identity.surface === 'web' || identity.surface === 'mobile') return identity.userId;
  throw new AppError(ErrorCode.UNAUTHENTICATED, 'This operation needs a signed-in user');
}

/** The calling partner's id, or FORBIDDEN for anyone else. */
export function requirePartner(context: BffContext): string {
  const { identity } = context;
  if (identity.surface === 'partner') return identity.partnerId;
  throw new AppError(ErrorCode.FORBIDDEN, 'This operation is for partner keys');
}
