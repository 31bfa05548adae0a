import { AppError } from '@edge/common';
import { buildSchema } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ABUSE_LIMITS } from '../src/defaults';
import { createValidator } from '../src/validate';

// graphql by its CommonJS entry, as validate.ts imports it: one copy of graphql-js for both.
const schema = buildSchema('type Query { me(a: [[Int]]): ID }');
const surface = { current: () => schema, generation: () => 1, stop: async () => {} };

describe('documents nested past what the parser can recurse into', () => {
  it('are refused GRAPHQL_PARSE_FAILED in our words, not the engine stack overflow', () => {
    // The shipped maxTokens usually stops such a document first; how deep the stack goes depends
    // on the runtime, so the bound is lifted here to reach the overflow for certain.
    const validate = createValidator(surface, {
      limits: { ...DEFAULT_ABUSE_LIMITS.web, maxTokens: Number.MAX_SAFE_INTEGER },
      refuseIntrospection: false,
      hideHints: false,
    });
    for (const query of [
      `{ me(a: ${'['.repeat(200_000)}${']'.repeat(200_000)}) }`,
      `{ ${'me { '.repeat(100_000)}${' }'.repeat(100_000)} }`,
    ]) {
      let refused: unknown;
      try {
        validate(query);
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe('GRAPHQL_PARSE_FAILED');
      expect((refused as AppError).message).toBe('Document is nested too deeply');
    }
  });
});
