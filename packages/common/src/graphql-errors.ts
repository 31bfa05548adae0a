import type { ServerResponse } from 'node:http';
import { toAppError } from './errors.js';
import type { Logger } from './logger.js';
import { sendJson } from './send-json.js';

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

const SUGGESTION = / ?Did you mean [^?]*\?/g;
const VARIABLE = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)"/;

/**
 * A graphql-js message without what maps the schema for an untrusted reader (production): no
 * "Did you mean" hints, and a variable error names only the client's own variable, not the
 * input type's fields or types.
 */
export function withoutSchemaHints(message: string): string {
  const variable = VARIABLE.exec(message);
  if (variable) return `Variable "$${variable[1]}" is missing or has an invalid value`;
  return message.replace(SUGGESTION, '');
}
