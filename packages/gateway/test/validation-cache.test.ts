import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildSchema } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ABUSE_LIMITS } from '../src/defaults';
import { createValidator, VALIDATION_CACHE_BYTES } from '../src/validate';

// graphql by its CommonJS entry, as validate.ts imports it: one copy of graphql-js for both.
const schema = buildSchema(`
  type Query { me: User }
  type User { id: ID name: String friends(first: Int): [User] }
`);
const surface = { current: () => schema, generation: () => 1, stop: async () => {} };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap held after a full collection: what the cache keeps, not what parsing left behind. */
function heldBytes(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth, in MB, from validating `count` distinct documents built by `documentOf`. */
function growthMb(
  count: number,
  documentOf: (i: number) => string,
  variables?: object,
  operationName?: string,
) {
  const validate = createValidator(surface, {
    limits: DEFAULT_ABUSE_LIMITS.web,
    refuseIntrospection: false,
    hideHints: false,
  });
  const before = heldBytes();
  for (let i = 0; i < count; i++) {
    try {
      validate(
        documentOf(i),
        operationName?.replace('D0', `D${i}`),
        variables as Record<string, unknown> | undefined,
      );
    } catch {
      // Refused documents are cached too; their verdicts are what is measured.
    }
  }
  const grown = (heldBytes() - before) / 1024 / 1024;
  console.info(`${count} documents: ${grown.toFixed(1)} MB held`);
  // The validator (and its cache) stays reachable until here.
  validate('{ me { id } }');
  return grown;
}

/** One document of `count` small operations: valid, and a large parsed form for its length. */
const operations = (doc: number, count: number, body: string, args = '') =>
  Array.from({ length: count }, (_, i) => `query D${doc}O${i}${args} { ${body} }`).join('\n');
const BOUND_MB = VALIDATION_CACHE_BYTES / 1024 / 1024;

describe('the validation cache holds a bounded number of bytes, whatever clients send', () => {
  it('300 documents of 120 operations priced per request (each about 200 KB parsed) hold no more than the bound', () => {
    const grown = growthMb(
      300,
      (i) => operations(i, 120, 'me { friends(first: $n) { id } }', '($n: Int)'),
      { n: 5 },
      'D0O0',
    );
    // Without a byte bound they held about 60 MB (2,000 of them: about 400 MB).
    expect(grown).toBeLessThan(BOUND_MB * 1.5);
  });

  it('300 documents of 200 operations not priced per request hold no more than the bound', () => {
    const grown = growthMb(300, (i) => operations(i, 200, 'me { id }'), undefined, 'D0O0');
    // Before, each kept its parsed form with every location: about 160 MB.
    expect(grown).toBeLessThan(BOUND_MB * 1.5);
  });

  it('comment-padded documents of 250 KB (comments are not tokens) hold no more than the bound', () => {
    const padding = `#${'x'.repeat(250 * 1024)}\n`;
    const grown = growthMb(200, (i) => `${padding}{ __typename } # ${i}`);
    expect(grown).toBeLessThan(BOUND_MB * 1.5);
  });
});
