import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@edge/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const nested = (depth: number) => `{ me { ${'friends { '.repeat(depth)}id${' }'.repeat(depth)} } }`;
const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;

describe('abuse limits at the edge', () => {
  let fx: GatewayFixture;
  let auth: Record<string, string>;
  beforeAll(async () => {
    fx = await startGatewayFixture();
    auth = { authorization: `Bearer ${await fx.token('web', 'u-1')}` };
  });
  afterAll(async () => {
    await fx?.close();
  });

  const rejectedBeforeBff = async (body: unknown, status: number, code: string) => {
    fx.bff.resetCalls();
    const res = await fx.post('/web/graphql', body, auth);
    expect(res.status).toBe(status);
    expect(res.body.errors[0].extensions.code).toBe(code);
    expect(fx.bff.calls()).toEqual({});
    return res;
  };

  it('a plain query reaches the BFF once', async () => {
    fx.bff.resetCalls();
    const res = await fx.post('/web/graphql', { query: '{ me { id name } }' }, auth);
    expect(res.status).toBe(200);
    expect(fx.bff.calls()).toEqual({ '/graphql': 1 });
  });

  it('depth-50 query returns 400 QUERY_TOO_COMPLEX without a BFF call', async () => {
    const res = await rejectedBeforeBff({ query: nested(50) }, 400, 'QUERY_TOO_COMPLEX');
    expect(res.body.errors[0].extensions.limit).toBe('depth');
  });

  it('depth hidden in nested fragments is still counted', async () => {
    const fragments = Array.from(
      { length: 15 },
      (_, i) => `fragment F${i} on User { friends { ${i === 14 ? 'id' : `...F${i + 1}`} } }`,
    ).join('\n');
    const res = await rejectedBeforeBff(
      { query: `{ me { ...F0 } }\n${fragments}` },
      400,
      'QUERY_TOO_COMPLEX',
    );
    expect(res.body.errors[0].extensions.limit).toBe('depth');
  });

  it('1,000 aliases return 400 before any BFF call', async () => {
    await rejectedBeforeBff({ query: aliases(1000) }, 400, 'QUERY_TOO_COMPLEX');
  });

  it('aliases spread through one fragment many times count every spread', async () => {
    const query = `{ me { ${Array.from({ length: 20 }, () => '...A').join(' ')} } }
      fragment A on User { x: id y: name }`;
    const res = await rejectedBeforeBff(
      { query: query.replace(/\.\.\.A/g, (_, i) => `f${i}: friends { ...A }`) },
      400,
      'QUERY_TOO_COMPLEX',
    );
    expect(res.body.errors[0].extensions.limit).toBe('aliases');
  });

  it('a fragment cycle returns 400 GRAPHQL_VALIDATION_FAILED, not a hang or a 500', async () => {
    await rejectedBeforeBff(
      {
        query:
          '{ me { ...A } } fragment A on User { friends { ...B } } fragment B on User { friends { ...A } }',
      },
      400,
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it('too many directives return 400 QUERY_TOO_COMPLEX', async () => {
    const dirs = Array.from({ length: 30 }, () => '@include(if: true)').join(' ');
    await rejectedBeforeBff({ query: `{ me { id ${dirs} } }` }, 400, 'QUERY_TOO_COMPLEX');
  });

  it('a costly list query returns 400 QUERY_TOO_COMPLEX', async () => {
    await rejectedBeforeBff(
      { query: '{ me { friends(first: 100) { friends(first: 100) { id } } } }' },
      400,
      'QUERY_TOO_COMPLEX',
    );
  });

  it('a 1 MB document returns 413 PAYLOAD_TOO_LARGE before any BFF call', async () => {
    await rejectedBeforeBff(
      { query: `{ me { id } } # ${'x'.repeat(1024 * 1024)}` },
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('a token-stuffed document returns 400 QUERY_TOO_COMPLEX', async () => {
    await rejectedBeforeBff(
      { query: `{ me { id ${'__typename '.repeat(6000)} } }` },
      400,
      'QUERY_TOO_COMPLEX',
    );
  });

  it('a 500-operation batch returns 400 BAD_REQUEST before any BFF call', async () => {
    const batch = Array.from({ length: 500 }, () => ({ query: '{ me { id } }' }));
    await rejectedBeforeBff(batch, 400, 'BAD_REQUEST');
  });

  it('a small batch is answered as an array, one BFF call per operation', async () => {
    fx.bff.resetCalls();
    const res = await fx.post(
      '/web/graphql',
      [{ query: '{ me { id } }' }, { query: '{ me { name } }' }],
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect(res.body[0].data.me.id).toBe('u-1');
    expect(fx.bff.calls()).toEqual({ '/graphql': 2 });
  });

  it('one invalid operation in a batch rejects the whole batch before any BFF call', async () => {
    await rejectedBeforeBff(
      [{ query: '{ me { id } }' }, { query: nested(50) }],
      400,
      'QUERY_TOO_COMPLEX',
    );
  });

  // Regression cases found by bench/src/fuzz.ts: each used to reach the BFF and come back with a
  // code the edge does not document (INTERNAL_SERVER_ERROR, OPERATION_RESOLUTION_FAILURE).
  it('a subscription on a schema without subscriptions returns 400 GRAPHQL_VALIDATION_FAILED', async () => {
    await rejectedBeforeBff({ query: 'subscription { x }' }, 400, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('an operationName naming no operation returns 400 BAD_REQUEST before any BFF call', async () => {
    await rejectedBeforeBff(
      { query: 'query A { me { id } }', operationName: '' },
      400,
      'BAD_REQUEST',
    );
    await rejectedBeforeBff(
      { query: 'query A { me { id } }', operationName: 'Nope' },
      400,
      'BAD_REQUEST',
    );
  });

  it('several operations without an operationName return 400 BAD_REQUEST', async () => {
    await rejectedBeforeBff(
      { query: 'query A { me { id } } query B { me { name } }' },
      400,
      'BAD_REQUEST',
    );
  });

  it('outside production, validation errors keep their suggestions on web', async () => {
    const res = await rejectedBeforeBff(
      { query: '{ me { nam } }' },
      400,
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(res.body.errors[0].message).toContain('Did you mean');
  });
});

describe('production hardening of mobile and partner', () => {
  let fx: GatewayFixture;
  let mobile: Record<string, string>;
  beforeAll(async () => {
    // What a client allowed to send its own documents meets (production's default keeps
    // mobile and partner to registered documents: client-contracts.test.ts).
    fx = await startGatewayFixture({
      NODE_ENV: 'production',
      DEV_IDP: 'false',
      ARBITRARY_DOCUMENTS: 'web,mobile,partner-v1,partner-v2',
    });
    // Production has no dev IdP on the gateway; point it at a second, dev-IdP-enabled instance.
    const idpHost = await fx.addGateway({ NODE_ENV: 'development', DEV_IDP: 'true' });
    await fx.gateways[0]?.close();
    fx.gateways.shift();
    const prod = await fx.addGateway({ JWKS_URL: `${idpHost.url}/.well-known/jwks.json` });
    fx.gateways.splice(0, fx.gateways.length, prod, idpHost);
    mobile = { authorization: `Bearer ${await fx.token('mobile', 'u-2')}` };
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('introspection returns 400 on mobile in production', async () => {
    const res = await fx.post(
      '/mobile/graphql',
      { query: '{ __schema { types { name } } }' },
      mobile,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('"Did you mean" is stripped from mobile validation messages in production', async () => {
    const res = await fx.post('/mobile/graphql', { query: '{ me { nam } }' }, mobile);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).not.toContain('Did you mean');
  });

  it('"Did you mean" is stripped from web validation messages in production too', async () => {
    const web = { authorization: `Bearer ${await fx.token('web', 'u-2')}` };
    const res = await fx.post('/web/graphql', { query: '{ me { nam } }' }, web);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toContain('Cannot query field "nam"');
    expect(res.body.errors[0].message).not.toContain('Did you mean');
  });

  it('introspection returns 400 on partner v2 in production', async () => {
    const { key } = await fx.partnerKey({ partnerId: 'p', versions: ['v2'], tier: 'pro' });
    const res = await fx.post(
      '/partner/v2/graphql',
      { query: '{ __type(name: "User") { name } }' },
      { 'x-api-key': key },
    );
    expect(res.status).toBe(400);
  });
});

describe('persisted queries on mobile', () => {
  let fx: GatewayFixture;
  let mobile: Record<string, string>;
  const query = '{ me { id } }';
  const hash = sha256Hex(query);
  const persisted = { persistedQuery: { version: 1, sha256Hash: hash } };
  beforeAll(async () => {
    fx = await startGatewayFixture();
    mobile = { authorization: `Bearer ${await fx.token('mobile', 'u-2')}` };
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('an unknown hash returns PERSISTED_QUERY_NOT_FOUND, then registers and runs by hash', async () => {
    const miss = await fx.post('/mobile/graphql', { extensions: persisted }, mobile);
    expect(miss.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await fx.post('/mobile/graphql', { query, extensions: persisted }, mobile);
    expect(register.status).toBe(200);
    fx.bff.resetCalls();
    const hit = await fx.post('/mobile/graphql', { extensions: persisted }, mobile);
    expect(hit.status).toBe(200);
    expect(hit.body.data.me.id).toBe('u-1');
    expect(fx.bff.calls()).toEqual({ '/graphql': 1 });
  });

  it('a document that fails validation is not registered under its hash', async () => {
    const invalid = '{ nope }';
    const junk = { persistedQuery: { version: 1, sha256Hash: sha256Hex(invalid) } };
    const refused = await fx.post('/mobile/graphql', { query: invalid, extensions: junk }, mobile);
    expect(refused.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const byHash = await fx.post('/mobile/graphql', { extensions: junk }, mobile);
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a persisted query version other than 1 returns 400 BAD_REQUEST', async () => {
    const res = await fx.post(
      '/mobile/graphql',
      { query, extensions: { persistedQuery: { version: 2, sha256Hash: hash } } },
      mobile,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toBe('Unsupported persisted query version: only 1 is');
  });

  it('a hash that does not match its query returns 400 BAD_REQUEST', async () => {
    const res = await fx.post(
      '/mobile/graphql',
      { query: '{ me { name } }', extensions: persisted },
      mobile,
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('with a trusted-documents manifest only registered operations run', async () => {
    const file = join(fx.dataDir, 'trusted.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: hash, name: 'Me', type: 'query', body: query }],
      }),
    );
    const strict = await fx.addGateway({ TRUSTED_DOCUMENTS_FILE: file });
    const byHash = await fx.post('/mobile/graphql', { extensions: persisted }, mobile, strict);
    expect(byHash.status).toBe(200);
    const known = await fx.post('/mobile/graphql', { query }, mobile, strict);
    expect(known.status).toBe(200);
    fx.bff.resetCalls();
    const other = await fx.post('/mobile/graphql', { query: '{ me { name } }' }, mobile, strict);
    expect(other.status).toBe(403);
    expect(other.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(fx.bff.calls()).toEqual({});
  });
});

describe('query cost', () => {
  it('a connection page size multiplies the edges below it, through fragments', async () => {
    const { buildSchema, parse } = await import('graphql/index.js');
    const { measureOperations } = await import('../src/query-metrics');
    const schema = buildSchema(`
      type Query { me: User }
      type User { id: ID! orders(first: Int): OrderConnection! friends(first: Int): [User!]! }
      type OrderConnection { edges: [OrderEdge!]! }
      type OrderEdge { node: Order! }
      type Order { id: ID! items: [Item!]! owner: User! }
      type Item { id: ID! }
    `);
    const cost = (query: string) =>
      measureOperations(schema, parse(query)).values().next().value?.cost;
    // me 1 + orders 1 + 50 edges x (edge 1 + node 1 + 10 items x 1)
    expect(cost('{ me { orders(first: 50) { edges { node { id items { id } } } } } }')).toBe(602);
    expect(cost('{ me { ...F ...F } } fragment F on User { friends(first: 5) { id } }')).toBe(11);
    // A page is read whole whatever is selected of it: 100 orders, not 1 (the BFF reads them).
    expect(cost('{ me { orders(first: 100) { __typename } } }')).toBe(101);
    // So a page read per order of a page is priced as the reads it makes: 100 pages of 100.
    expect(
      cost(
        '{ me { orders(first: 100) { edges { node { id owner { orders(first: 100) { __typename } } } } } } }',
      ),
    ).toBeGreaterThan(10_000);
  });

  it('the same operation costs the same inline, with variables and through fragments', async () => {
    const { buildSchema, parse } = await import('graphql/index.js');
    const { measureOperations } = await import('../src/query-metrics');
    const schema = buildSchema(`
      type Query { me: User }
      type Mutation { place(n: Int): ID }
      type User { id: ID! orders(first: Int = 7): OrderConnection! }
      type OrderConnection { edges: [OrderEdge!]! }
      type OrderEdge { node: Order! }
      type Order { id: ID! }
    `);
    const metrics = (query: string, variables?: Record<string, unknown>) =>
      measureOperations(schema, parse(query), {}, variables).values().next().value;
    const inner = 'edges { node { id } }';
    const forms = [
      metrics(`{ me { orders(first: 50) { ${inner} } } }`),
      metrics(`query($n: Int) { me { orders(first: $n) { ${inner} } } }`, { n: 50 }),
      metrics(`query($n: Int = 50) { me { orders(first: $n) { ${inner} } } }`),
      metrics(`{ me { orders(first: 50) { ...E } } } fragment E on OrderConnection { ${inner} }`),
      metrics(`{ me { orders(first: 50) { ... on OrderConnection { ${inner} } } } }`),
    ];
    // me 1 + orders 1 + 50 x (edge 1 + node 1)
    expect(forms.map((m) => m?.cost)).toEqual([102, 102, 102, 102, 102]);
    expect(forms[1]?.variableSized).toBe(true);
    // No size given: the argument's schema default.
    expect(metrics(`{ me { orders { ${inner} } } }`)?.cost).toBe(16);
    // A null size runs at the BFF's default (the schema's), whatever the operation's default
    // says: an explicit null overrides it. Priced at 1 per page, `{"n": null}` bought 7.
    const nullable = `query($n: Int = 1) { me { orders(first: $n) { ${inner} } } }`;
    expect(metrics(nullable, { n: 1 })?.cost).toBe(4);
    expect(metrics(nullable)?.cost).toBe(4);
    expect(metrics(nullable, { n: null })?.cost).toBe(16);
    expect(metrics(`query($n: Int) { me { orders(first: $n) { ${inner} } } }`, {})?.cost).toBe(16);
    expect(metrics(`{ me { orders(first: null) { ${inner} } } }`)?.cost).toBe(16);
    // An inline fragment is a level of depth.
    const plain = metrics('{ me { id } }')?.depth ?? 0;
    expect(metrics('{ ... on Query { ... on Query { me { id } } } }')?.depth).toBe(plain + 2);
    // Mutations by response key: ten aliases are ten, one fragment spread twice runs once.
    const ten = Array.from({ length: 10 }, (_, i) => `a${i}: place(n: ${i})`).join(' ');
    expect(metrics(`mutation { ${ten} }`)?.mutations).toBe(10);
    expect(
      metrics(`mutation { ...M ...M } fragment M on Mutation { a: place b: place }`)?.mutations,
    ).toBe(2);
  });
});
