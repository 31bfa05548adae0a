import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '@edge/common';
import { errorCodesUsedIn } from '@edge/testkit';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const docs = readFileSync(join(here, '..', '..', '..', 'docs', 'edge.md'), 'utf8');

/** Codes the shared HTTP server and body reader answer on the gateway's behalf. */
const FROM_COMMON = [
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.NOT_FOUND,
  ErrorCode.METHOD_NOT_ALLOWED,
  ErrorCode.SHUTTING_DOWN,
  ErrorCode.HEADERS_TOO_LARGE,
  ErrorCode.REQUEST_TIMEOUT,
];

describe('docs/edge.md', () => {
  it.each(errorCodesUsedIn(src, FROM_COMMON))('documents error code %s with its status', (code) => {
    const known = Object.values(ErrorCode).find((c) => c === code);
    expect(known, `${code} is not an ErrorCode`).toBeDefined();
    if (!known) return;
    // A table row: | `CODE` | status | (cells may be padded by the formatter).
    expect(docs).toMatch(
      new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${HTTP_STATUS_BY_CODE[known]}\\s*\\|`),
    );
  });
});
