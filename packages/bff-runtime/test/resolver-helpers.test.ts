import { AppError, ErrorCode } from '@edge/common';
import { UpstreamError } from '@edge/upstream';
import { describe, expect, it } from 'vitest';
import { asFieldError } from '../src/resolver-helpers';

const codeOf = (err: unknown) => (err instanceof AppError ? err.code : undefined);

describe('asFieldError', () => {
  // Found by bench/src/fuzz.ts: product(id: "<60,000 x>") made the product service answer 431,
  // and the raw UpstreamError surfaced as INTERNAL_SERVER_ERROR.
  it('a service refusing the input (431) becomes BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', () => {
    const err = asFieldError(new UpstreamError('product', 431, 'product: GET answered 431'));
    expect(codeOf(err)).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('a failing service (503, no answer) becomes UPSTREAM_UNAVAILABLE', () => {
    expect(codeOf(asFieldError(new UpstreamError('product', 503, 'x')))).toBe(
      ErrorCode.UPSTREAM_UNAVAILABLE,
    );
    expect(codeOf(asFieldError(new UpstreamError('product', 0, 'x')))).toBe(
      ErrorCode.UPSTREAM_UNAVAILABLE,
    );
  });

  it('anything else passes through unchanged', () => {
    const own = new AppError(ErrorCode.NOT_FOUND, 'x');
    expect(asFieldError(own)).toBe(own);
  });
});
