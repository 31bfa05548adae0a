import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The page's session is the operator's token itself, in a cookie scripts cannot read
 * (HttpOnly) and other sites cannot make the browser send (SameSite=Strict). Nothing is stored
 * server-side, so any replica serves any operator and the session ends when the token does.
 */
export const SESSION_COOKIE = 'saga_session';

/** Header the page's script sends the CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** One cookie's value; a hand-written reader because we read exactly one name we also write. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, expiresAt: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor(expiresAt - Date.now() / 1000));
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAge}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/**
 * The CSRF token of a session: a MAC of the session token, so it needs no storage and is the
 * same on every replica, while a page on another site, which cannot read the cookie, cannot
 * compute it.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('saga-remediation-csrf').digest('base64url');
}

export function csrfMatches(sessionToken: string, sent: string | undefined): boolean {
  if (!sent) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
