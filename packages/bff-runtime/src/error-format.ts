import { ErrorCode, isAppError, withoutSchemaHints } from '@edge/common';
import type { GraphQLFormattedError } from 'graphql';

/**
 * The error a resolver threw, under graphql-js's wrapping. Duck-typed on purpose: graphql ships
 * CommonJS and ESM builds and @apollo/subgraph loads the other one, so `instanceof GraphQLError`
 * misses errors wrapped by the other copy.
 */
function unwrap(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (typeof current !== 'object' || current === null || !('originalError' in current)) break;
    const inner: unknown = current.originalError;
    if (inner === undefined || inner === null) break;
    current = inner;
  }
  return current;
}

/**
 * The HTTP status an error asks for. Apollo Server refuses some malformed requests (a
 * persisted-query extension without `version: 1`, a hash that does not match its query) with a
 * bare GraphQLError carrying only `extensions.http.status` 400 and no code (found by the fuzzer).
 */
function requestedStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('extensions' in error)) return undefined;
  const { extensions } = error;
  if (typeof extensions !== 'object' || extensions === null || !('http' in extensions)) {
    return undefined;
  }
  const { http } = extensions;
  if (typeof http !== 'object' || http === null || !('status' in http)) return undefined;
  return typeof http.status === 'number' ? http.status : undefined;
}

export interface ErrorFormatOptions {
  /** Production: graphql-js messages lose "Did you mean" hints and input field names. */
  hideSchemaHints: boolean;
}

/**
 * The single place where errors become GraphQL errors: AppErrors keep their code and safe
 * details; anything unexpected becomes INTERNAL_SERVER_ERROR with no message or stack leaked.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  options: ErrorFormatOptions = { hideSchemaHints: false },
): GraphQLFormattedError {
  const original = unwrap(error);
  if (isAppError(original)) {
    return {
      ...formatted,
      message: original.message,
      extensions: { code: original.code, ...original.details },
    };
  }
  const code = formatted.extensions?.['code'];
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _hidden, ...extensions } = formatted.extensions ?? {};
    const message = options.hideSchemaHints
      ? withoutSchemaHints(formatted.message)
      : formatted.message;
    return { ...formatted, message, extensions };
  }
  const status = requestedStatus(original);
  if (status !== undefined && status >= 400 && status < 500) {
    // Refused by Apollo Server's own request checks: the client's error, with Apollo's message.
    return { message: formatted.message, extensions: { code: ErrorCode.BAD_REQUEST } };
  }
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
