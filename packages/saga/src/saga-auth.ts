import {
  AppError,
  assertRole,
  bearerTokenOf,
  ErrorCode,
  type Operator,
  type OperatorRole,
  type OperatorVerifier,
  type RequestContext,
  signInRequired,
} from '@edge/common';
import { assertJsonBody, assertSameOrigin } from './cross-site-guard.js';
import type { Customer, EdgeIdentityVerifier } from './edge-identity.js';
import { CSRF_HEADER, csrfMatches, readCookie, SESSION_COOKIE } from './operator-session.js';

/** A signed-in operator, and how: the page's cookie, or a Bearer token (CLI, scripts). */
export interface SignedIn extends Operator {
  via: 'session' | 'bearer';
  /** The raw token, for the page's CSRF token. */
  token: string;
}

export type Reader =
  | { kind: 'operator'; operator: SignedIn }
  | { kind: 'customer'; customer: Customer };

/**
 * Who may call what. Operators (viewer, operator) sign in with a token from the configured
 * identity provider; customers arrive only as the identity the edge signed and a BFF forwarded.
 */
export function createSagaAuth(
  verifyOperator: OperatorVerifier,
  verifyCustomer: EdgeIdentityVerifier,
) {
  /** The signed-in operator, if any credential was sent; a bad one is refused, not ignored. */
  const signedIn = async (ctx: RequestContext): Promise<SignedIn | undefined> => {
    const bearer = bearerTokenOf(ctx.req);
    if (bearer) return { ...(await verifyOperator(bearer)), via: 'bearer', token: bearer };
    const cookie = readCookie(ctx.req, SESSION_COOKIE);
    if (cookie) return { ...(await verifyOperator(cookie)), via: 'session', token: cookie };
    return undefined;
  };

  const operator = async (ctx: RequestContext, need: OperatorRole): Promise<SignedIn> => {
    const who = await signedIn(ctx);
    if (!who) throw signInRequired();
    assertRole(who, need);
    // A cookie rides along with any request the browser makes; the CSRF token proves the
    // request came from our page. Bearer tokens are never sent by a browser on its own.
    if (who.via === 'session' && ctx.req.method !== 'GET') {
      const sent = ctx.req.headers[CSRF_HEADER];
      if (!csrfMatches(who.token, typeof sent === 'string' ? sent : undefined)) {
        throw new AppError(ErrorCode.FORBIDDEN, 'Missing or wrong CSRF token', {
          details: { reason: 'csrf' },
        });
      }
    }
    return who;
  };

  return {
    signedIn,
    verifyOperator,
    /** Refusals every state change makes before looking at credentials: 415, cross-site 403. */
    stateChange(ctx: RequestContext): void {
      assertJsonBody(ctx.req);
      assertSameOrigin(ctx.req);
    },
    operator,
    customer: (ctx: RequestContext): Promise<Customer> => verifyCustomer(ctx.req),
    /** Reads of one saga: an operator sees any, a customer (through a BFF) only its own. */
    async reader(ctx: RequestContext): Promise<Reader> {
      if (ctx.req.headers.authorization || readCookie(ctx.req, SESSION_COOKIE)) {
        return { kind: 'operator', operator: await operator(ctx, 'viewer') };
      }
      return { kind: 'customer', customer: await verifyCustomer(ctx.req) };
    },
  };
}

export type SagaAuth = ReturnType<typeof createSagaAuth>;
