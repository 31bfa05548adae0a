import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Only our own nonce-tagged script and style run (no 'unsafe-inline'), the page talks only to
 * its own origin, and no other site may frame it (clickjacking a "Confirm" button).
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** An HTML answer with the page's security headers; never cached (it shows live money). */
export function sendPage(
  res: ServerResponse,
  status: number,
  html: string,
  nonce: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicy(nonce),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(html);
}
