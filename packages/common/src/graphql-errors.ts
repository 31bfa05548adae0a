import type { ServerResponse } from 'node:http';
import { toAppError } from './errors';
import type { Logger } from './logger';
import { sendJson } from './send-json';

/**
 * The edge answers GraphQL clients in GraphQL's own error shape, with the stable code in
 * `extensions.code` and the matching HTTP status; internals never leave the process.
 */
export function sendGraphQLError(res: ServerResponse, error: unknown, log: Logger): void {
  const appError = toAppError(error);
  if (appError.status >= 500)
    log.warn({ err: appError.cause ?? appError, code: appError.code }, 'edge error');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { reason: _internalReason, ...details } = appError.details ?? {};
  sendJson(
    res,
    appError.status,
    { errors: [{ message: appError.message, extensions: { code: appError.code, ...details } }] },
    appError.headers,
  );
}
