import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { KnownRootOperationRule } from '../src/known-root-operation-rule';

const schema = buildSchema('type Query { a: Int } type Mutation { b: Int }');
const errorsOf = (query: string) =>
  validate(schema, parse(query), [...specifiedRules, KnownRootOperationRule]).map((e) => e.message);

describe('KnownRootOperationRule', () => {
  it('refuses a subscription on a schema without subscriptions (graphql-js alone lets it pass)', () => {
    expect(validate(schema, parse('subscription { x }'), specifiedRules)).toEqual([]);
    expect(errorsOf('subscription { x }')).toEqual([
      'This schema does not define subscription operations',
    ]);
  });

  it('accepts the operation types the schema defines', () => {
    expect(errorsOf('query Q { a } mutation M { b }')).toEqual([]);
  });
});
