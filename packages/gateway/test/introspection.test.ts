import { buildSchema, parse } from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { createIntrospectionAnswers, introspectionOperations } from '../src/introspection';
import type { SurfaceSchema } from '../src/schema-registry';

const QUERY = '{ __schema { queryType { fields { name } } } }';

describe('introspection answered by the edge', () => {
  it('only operations selecting nothing but __schema, __type and __typename at their root', () => {
    const document = parse(`
      query A { __schema { types { name } } __typename }
      query B { __typename me { id } }
      query C { ...F }
      fragment F on Query { __typename }
      mutation D { __typename }
    `);
    expect([...introspectionOperations(document)]).toEqual([
      ['A', true],
      ['B', false],
      ['C', false],
      ['D', false],
    ]);
  });

  it('answers from the current schema, again after a schema change', () => {
    let generation = 1;
    let schema = buildSchema('type Query { me: String }');
    const surface: SurfaceSchema = {
      current: () => schema,
      generation: () => generation,
      stop: async () => {},
    };
    const answer = createIntrospectionAnswers(() => surface);
    const fields = () =>
      JSON.parse(
        answer({ query: QUERY, operationName: undefined, variables: undefined }).body.toString(),
      ).data.__schema.queryType.fields;
    expect(fields()).toEqual([{ name: 'me' }]);
    schema = buildSchema('type Query { me: String, product: String }');
    generation = 2;
    expect(fields()).toEqual([{ name: 'me' }, { name: 'product' }]);
  });
});
