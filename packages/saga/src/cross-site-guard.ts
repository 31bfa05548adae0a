import type { IncomingMessage } from 'node:http';
import { AppError, ErrorCode } from '@edge/common';

/**
 * State changes accept only `application/json`. A form or `text/plain` POST is a "simple"
 * request that any web page can make without a CORS preflight; JSON cannot be sent cross-site
 * without one, and we answer no preflight.
 */
export function assertJsonBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new AppError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'State-changing requests must be sent as application/json',
    );
  }
}

/** Browsers say where a request comes from; anything but this origin is refused. */
export function assertSameOrigin(req: IncomingMessage): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw crossSite(`Sec-Fetch-Site ${site}`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw crossSite(`Origin ${origin}`);
  }
  if (host !== req.headers.host) throw crossSite(`Origin ${origin}`);
}

const crossSite = (what: string) =>
  new AppError(ErrorCode.FORBIDDEN, `Cross-site request refused (${what})`, {
    details: { reason: 'cross_site' },
  });
