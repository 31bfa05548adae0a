import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatError } from '../src/error-format';

describe('formatError', () => {
  // Found by bench/src/fuzz.ts: `extensions.persistedQuery: "x"` sent to a BFF came back as a
  // 400 with INTERNAL_SERVER_ERROR, because Apollo Server refuses it without a code.
  it('an Apollo Server request refusal with HTTP 400 and no code becomes BAD_REQUEST', () => {
    const error = new GraphQLError('Unsupported persisted query version', {
      extensions: { http: { status: 400 } },
    });
    const formatted = formatError(
      { message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      error,
    );
    expect(formatted).toEqual({
      message: 'Unsupported persisted query version',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('an unexpected error stays an opaque INTERNAL_SERVER_ERROR', () => {
    const formatted = formatError(
      { message: 'secret detail', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      new Error('secret detail'),
    );
    expect(formatted).toEqual({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
});
