import type { Identity, Logger, RequestContext } from '@edge/common';
import { AppError, ErrorCode, INTERNAL_TOKEN_HEADER, propagationHeaders } from '@edge/common';
import type { SagaClient } from '@edge/saga-client';
import {
  type CallOptions,
  createLoaders,
  type Loaders,
  type Order,
  type ServiceClients,
} from '@edge/upstream';
import { mayReadOrder } from './order-owner.js';
import { StaleRecorder } from './stale-recorder.js';

/** The order orchestrator as the mutations see it. */
export interface OrderDeps {
  saga: SagaClient;
  /** How long a mutation waits for its saga's outcome before answering the current status. */
  waitMs: number;
}

/** What every resolver receives: who is calling, per-request loaders, and shared clients. */
export interface BffContext {
  identity: Identity;
  /**
   * The edge-signed token `identity` was read from. Forwarded to the saga orchestrator only,
   * which verifies it itself: an order is placed for whom the edge signed, not whom a BFF says.
   */
  identityToken: string;
  loaders: Loaders;
  clients: ServiceClients;
  /** Request id and trace context for every upstream call, and where stale answers are noted. */
  call: CallOptions;
  stale: StaleRecorder;
  orders: OrderDeps;
  log: Logger;
}

/**
 * Whose share of each upstream a request's calls use: the user, or the partner (all its keys
 * and versions together, so a second key does not double it).
 */
export function callerOf(identity: Identity): string {
  switch (identity.surface) {
    case 'web':
    case 'mobile':
      return `user:${identity.userId}`;
    case 'partner':
      return `partner:${identity.partnerId}`;
    case 'internal':
      return `internal:${identity.service}`;
  }
}

export function buildContext(
  ctx: RequestContext,
  identity: Identity,
  clients: ServiceClients,
  orders: OrderDeps,
): BffContext {
  const stale = new StaleRecorder();
  const call: CallOptions = {
    headers: propagationHeaders(ctx),
    caller: callerOf(identity),
    onStale: stale.record,
    mayServeStale: (service, value) =>
      service !== 'order' || mayReadOrder(identity, value as Order),
  };
  const loaders = createLoaders(clients, call);
  const header = ctx.req.headers[INTERNAL_TOKEN_HEADER];
  const identityToken = typeof header === 'string' ? header : '';
  return { identity, identityToken, clients, call, stale, orders, loaders, log: ctx.log };
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
