import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '@edge/common';
import { errorCodesUsedIn } from '@edge/testkit';
import { describe, expect, it } from 'vitest';
import { EDIT_REFUSALS } from '../src/step-edit';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '..', 'src');
const docs = readFileSync(join(here, '..', '..', '..', 'docs', 'saga-api.md'), 'utf8');

describe('docs/saga-api.md, "Every refusal"', () => {
  it.each(errorCodesUsedIn(src))('lists error code %s with its status', (code) => {
    const known = Object.values(ErrorCode).find((c) => c === code);
    expect(known, `${code} is not an ErrorCode`).toBeDefined();
    if (!known) return;
    // A table row: | status | `CODE` ... (the status first in this table).
    expect(docs).toMatch(new RegExp(`\\|\\s*${HTTP_STATUS_BY_CODE[known]}\\s*\\|\\s*\`${code}\``));
  });

  it.each(EDIT_REFUSALS)('lists the edit refusal %s as a 400 BAD_REQUEST', (reason) => {
    expect(docs).toMatch(
      new RegExp(`\\|\\s*400\\s*\\|\\s*\`BAD_REQUEST\` \\(\`reason: "${reason}"\`\\)`),
    );
  });
});
