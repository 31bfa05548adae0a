import {
  buildSchema,
  executeSync,
  getIntrospectionQuery,
  isInterfaceType,
  isObjectType,
  parse,
} from 'graphql/index.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ABUSE_LIMITS } from '../src/defaults';
import { createIntrospectionAnswers, introspectionOperations } from '../src/introspection';
import { measureOperations } from '../src/query-metrics';
import type { SurfaceSchema } from '../src/schema-registry';
import { createValidator } from '../src/validate';

const QUERY = '{ __schema { queryType { fields { name } } } }';

describe('introspection answered by the edge', () => {
  it('operations selecting only __schema, __type (and __typename) at their root, through fragments', () => {
    const document = parse(`
      query A { __schema { types { name } } __typename }
      query B { __typename me { id } }
      query C { ...F }
      fragment F on Query { __schema { types { name } } }
      query D { me { id } ... on Query { __type(name: "User") { name } } }
      mutation E { __typename }
    `);
    expect([...introspectionOperations(document)]).toEqual([
      ['A', 'only'],
      ['B', 'none'],
      ['C', 'only'],
      ['D', 'mixed'],
      ['E', 'none'],
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

describe('introspection priced by the size of its answer', () => {
  const schema = buildSchema(`
    type Query { me: User, products(first: Int): [Product!]! }
    type User { id: ID!, name: String, orders(first: Int = 10): [Order!]! }
    type Order { id: ID!, status: Status!, items: [Item!]! }
    type Item { product: Product, quantity: Int! }
    type Product { id: ID!, name: String!, price(currency: String, rounding: Int): Int }
    enum Status { PENDING CONFIRMED SHIPPED }
  `);
  /** Objects in an answer, as the cost model counts them: every object, nested or in a list. */
  const objects = (value: unknown): number =>
    Array.isArray(value)
      ? value.reduce((sum: number, v) => sum + objects(v), 0)
      : value && typeof value === 'object'
        ? 1 + Object.values(value).reduce((sum: number, v) => sum + objects(v), 0)
        : 0;
  const cost = (query: string) =>
    [...measureOperations(schema, parse(query)).values()].reduce((sum, m) => sum + m.cost, 0);

  it('the standard introspection query costs at least the objects its answer holds', () => {
    const query = getIntrospectionQuery();
    const data = executeSync({ schema, document: parse(query) }).data as { __schema: unknown };
    const answered = objects(data.__schema);
    expect(cost(query)).toBeGreaterThanOrEqual(answered);
    expect(cost(query)).toBeLessThan(2 * answered);
  });

  it('an aliased fan-out costs what it would answer, so the cost limit refuses it before it runs', () => {
    const one = '__schema { types { fields { type { ofType { fields { name } } } } } }';
    const fan = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: ${one}`).join(' ')} }`;
    const single = cost(`{ ${one} }`);
    expect(single).toBeGreaterThan(10);
    expect(cost(fan)).toBe(30 * single);
    // Before, meta fields were priced as single objects: the fan-out cost 30 x 3.
    expect(cost(fan)).toBeGreaterThan(30 * 3);
  });

  it('a fragment spread twice at every level is counted without expanding it', () => {
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i + 1} on __Type { ...F${i} ...F${i} }`,
    ).join('\n');
    const query = `{ __schema { types { ...F${levels} } } } fragment F0 on __Type { name } ${fragments}`;
    const started = performance.now();
    cost(query);
    // Expanded, 2^40 spreads; memoised, a few thousand steps.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("the standard introspection query passes every surface's limits: its 15 levels are priced by size", () => {
    const surface: SurfaceSchema = {
      current: () => schema,
      generation: () => 1,
      stop: async () => {},
    };
    for (const limits of Object.values(DEFAULT_ABUSE_LIMITS)) {
      const validate = createValidator(surface, {
        limits,
        refuseIntrospection: false,
        hideHints: false,
      });
      expect(validate(getIntrospectionQuery()).introspection).toBe(true);
    }
  });

  it('counting stops just past the cost limit: a stuffed document costs little to refuse', () => {
    const stuffed = `{ __schema { types { ${'fields { name } '.repeat(300)} } } }`;
    const document = parse(stuffed);
    const full = [...measureOperations(schema, document).values()][0]?.cost ?? 0;
    const capped = [...measureOperations(schema, document, {}, {}, 100).values()][0]?.cost ?? 0;
    expect(capped).toBeGreaterThan(100);
    expect(capped).toBeLessThan(full / 10);
  });

  it('__type by a literal name costs that type; by a variable, the largest type', () => {
    expect(cost('{ __type(name: "Status") { enumValues { name } } }')).toBe(1 + 3);
    // The largest type of the map, introspection's own `__Type` included.
    const mostFields = Math.max(
      ...Object.values(schema.getTypeMap()).map((t) =>
        isObjectType(t) || isInterfaceType(t) ? Object.keys(t.getFields()).length : 0,
      ),
    );
    expect(cost('query($n: String!) { __type(name: $n) { fields { name } } }')).toBe(
      1 + mostFields,
    );
  });
});

describe('variables of an introspection answered by the edge', () => {
  it('a variable that does not fit is 400 BAD_USER_INPUT, as the BFFs answer it', () => {
    const schema = buildSchema('type Query { me: String }');
    const surface: SurfaceSchema = {
      current: () => schema,
      generation: () => 1,
      stop: async () => {},
    };
    const answer = createIntrospectionAnswers(() => surface)({
      query: 'query($n: String!) { __type(name: $n) { name } }',
      operationName: undefined,
      variables: { n: 5 },
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toEqual({
      errors: [
        {
          message: 'Variable "$n" is missing or has an invalid value',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ],
    });
  });
});
