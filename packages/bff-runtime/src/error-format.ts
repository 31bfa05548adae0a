import { isAppError } from '@edge/common';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';

/**
 * The single place where errors become GraphQL errors: AppErrors keep their code and safe
 * details; anything unexpected becomes INTERNAL_SERVER_ERROR with no message or stack leaked.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
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
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
