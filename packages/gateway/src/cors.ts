import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler } from '@edge/common';
import type { SurfaceName } from './surfaces.js';

/** Which browser origins may call one surface, and how (CORS). */
export interface CorsPolicy {
  /** Exact origins (`https://app.example.com`); `http://localhost:*` allows any local port. */
  origins: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth) to allowed origins. */
  credentials: boolean;
  /** How long a browser may cache a preflight answer, in seconds. */
  maxAgeS: number;
}

const NONE: CorsPolicy = Object.freeze({ origins: [], credentials: false, maxAgeS: 600 });
const LOCAL: CorsPolicy = Object.freeze({
  origins: ['http://localhost:*'],
  credentials: false,
  maxAgeS: 600,
});

/** Outside production web and mobile allow any localhost port (dev servers); nothing else does. */
export function defaultCors(production: boolean): Record<SurfaceName, CorsPolicy> {
  const browser = production ? NONE : LOCAL;
  return { web: browser, mobile: browser, 'partner-v1': NONE, 'partner-v2': NONE };
}

/** Request headers a browser may send: the ones the edge reads. */
const ALLOWED_HEADERS = 'content-type, authorization, x-api-key, x-request-id, traceparent';
/** Answer headers a browser script may read: limits, retry hints, deprecation, request id. */
const EXPOSED_HEADERS =
  'ratelimit, ratelimit-policy, retry-after, deprecation, sunset, x-request-id';

function allows(policy: CorsPolicy, origin: string): boolean {
  return policy.origins.some((allowed) => {
    if (!allowed.endsWith(':*')) return allowed === origin;
    const base = allowed.slice(0, -1);
    return origin.startsWith(base) && /^\d{1,5}$/.test(origin.slice(base.length));
  });
}

/**
 * Adds the CORS answer headers when the request's Origin is allowed. Everything else gets none,
 * so the browser withholds the answer from the calling page.
 */
export function applyCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('vary', 'origin');
  const origin = req.headers.origin;
  if (!origin || !allows(policy, origin)) return;
  res.setHeader('access-control-allow-origin', origin);
  if (policy.credentials) res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
}

/** The preflight answer: 204, with the allowance only for an allowed origin. */
export function preflightHandler(policy: CorsPolicy): Handler {
  return ({ req, res }) => {
    applyCors(policy, req, res);
    if (res.hasHeader('access-control-allow-origin')) {
      res.setHeader('access-control-allow-methods', 'POST');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', String(policy.maxAgeS));
    }
    res.writeHead(204);
    res.end();
  };
}
