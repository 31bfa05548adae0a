import { SeededRandom } from './seeded-random';

/** A process of the stack the fuzzer talks to. */
export type FuzzProcess = 'gateway' | 'bff-web' | 'bff-mobile' | 'bff-partner';

/** One public endpoint and what a well-formed call to it carries. */
export interface FuzzEndpoint {
  process: FuzzProcess;
  path: string;
  /** GraphQL endpoints get GraphQL bodies; the others get method/path/header abuse. */
  graphql: boolean;
  /** Headers of a legitimate caller (authentication), mutated or dropped by some cases. */
  auth: Record<string, string>;
  /** Valid documents for this endpoint, the seeds of mutation. */
  documents: readonly string[];
}

/** One generated request: raw bytes on a fresh connection, so nothing is normalised away. */
export interface FuzzCase {
  index: number;
  /** What the case is made of, for reports (`graphql/unbalanced`, `raw/garbage`, ...). */
  kind: string;
  endpoint: FuzzEndpoint;
  bytes: Buffer;
  /** HEAD answers carry no body; the checker must not ask one for a code. */
  head: boolean;
  /** Raw bytes may be an incomplete request: the sender half-closes if no answer comes. */
  mayBeIncomplete: boolean;
}

const CRLF = '\r\n';
const UNICODE = 'aé中😀\u0000\u200b\u202e\ud800\uffff';
const PUNCT = '{}()[]:!$@#&|=,."\\\'';
const IDENT = 'abcdefghijklmnopqrstuvwxyz_ABCXYZ0123456789';

/** A well-formed HTTP/1.1 request with `Connection: close`, Content-Length set from the body. */
function httpRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string | undefined,
): Buffer {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`content-length: ${payload.length}`);
  return Buffer.concat([Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1'), payload]);
}

function nested(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** Mutations of a valid GraphQL document: the parser, limits and validator must refuse cleanly. */
function mutateDocument(rnd: SeededRandom, doc: string): { kind: string; query: string } {
  switch (rnd.int(0, 13)) {
    case 0: {
      const at = rnd.int(0, doc.length);
      return { kind: 'delete', query: doc.slice(0, at) + doc.slice(at + rnd.int(1, 12)) };
    }
    case 1: {
      const at = rnd.int(0, doc.length);
      const junk = rnd.string(rnd.int(1, 8), PUNCT + IDENT + UNICODE);
      return { kind: 'insert', query: doc.slice(0, at) + junk + doc.slice(at) };
    }
    case 2:
      return { kind: 'unbalanced', query: doc + '}'.repeat(rnd.int(1, 5)) };
    case 3:
      return { kind: 'unbalanced', query: '{'.repeat(rnd.int(1, 2000)) + doc };
    case 4: {
      const n = rnd.pick([31, 200, 5000]);
      const aliases = Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
      return { kind: 'aliases', query: `{ ${aliases} }` };
    }
    case 5:
      return {
        kind: 'deep',
        query: nested(
          rnd.pick([13, 100, 3000]),
          '{ me { orders(first: 1) { edges { node ',
          '} } } }',
          'id',
        ),
      };
    case 6:
      return {
        kind: 'fragments',
        query: `query { ...A } fragment A on Query { ...B } fragment B on Query { ...A ${rnd.bool() ? '__typename' : ''} }`,
      };
    case 7: {
      const spreads = Array.from({ length: rnd.pick([5, 50]) }, (_, i) => `...F${i % 3}`).join(' ');
      return {
        kind: 'fragment-fanout',
        query: `{ ${spreads} } fragment F0 on Query { __typename } fragment F1 on Query { ...F0 ...F0 } fragment F2 on Query { ...F1 ...F1 }`,
      };
    }
    case 8:
      return {
        kind: 'directives',
        query: `{ __typename ${'@include(if: true) '.repeat(rnd.pick([21, 500]))}}`,
      };
    case 9:
      return { kind: 'unicode', query: rnd.string(rnd.int(1, 200), UNICODE + PUNCT + IDENT) };
    case 10:
      return {
        kind: 'huge-string',
        query: `{ product(id: "${'x'.repeat(rnd.pick([1000, 60_000]))}") { id } }`,
      };
    case 11: {
      // Inline fragments are a level of depth: nesting them must meet the depth limit.
      const k = rnd.pick([5, 13, 300]);
      return {
        kind: 'inline-fragments',
        query: `{ ${'... on Query { '.repeat(k)}__typename${' }'.repeat(k)} }`,
      };
    }
    case 12:
      // Fragments under a list: priced with the list's size, the same as written inline.
      return {
        kind: 'fragment-under-list',
        query: rnd.pick([
          '{ me { orders(first: 250) { ...E } } } fragment E on OrderConnection { edges { node { items { product { id } } } } }',
          '{ me { orders(first: 5) { ... on OrderConnection { edges { node { id } } } } } }',
          '{ orders(first: 100) { ...F } } fragment F on PartnerOrder { id items { productId } }',
          '{ orderSummaries(first: 100) { ... on OrderSummary { id status } } }',
        ]),
      };
    default:
      return {
        kind: 'introspection',
        query: rnd.pick([
          '{ __schema { types { name fields { name } } } }',
          '{ __type(name: "Query") { name } }',
          'subscription { x }',
          'mutation { placeOrder(input: {}) { id } }',
          `query Q($v: ${rnd.pick(['Int', 'String!', '[ID!]!', 'Nope'])}) { __typename }`,
        ]),
      };
  }
}

/** JSON bodies of the wrong shape, size or type around a query. */
function mutateJson(rnd: SeededRandom, query: string): { kind: string; body: string | Buffer } {
  switch (rnd.int(0, 17)) {
    case 0:
      return { kind: 'not-json', body: rnd.string(rnd.int(0, 100), PUNCT + IDENT + UNICODE) };
    case 1:
      return { kind: 'truncated', body: JSON.stringify({ query }).slice(0, rnd.int(0, 20)) };
    case 2:
      return { kind: 'deep-array', body: nested(rnd.pick([100, 10_000, 60_000]), '[', ']', '') };
    case 3:
      return {
        kind: 'deep-variables',
        body: `{"query":${JSON.stringify(query)},"variables":${nested(rnd.pick([100, 10_000, 30_000]), '{"a":', '}', '1')}}`,
      };
    case 4:
      return {
        kind: 'huge-number',
        body: `{"query":${JSON.stringify(query)},"variables":{"first":${rnd.pick(['1e400', '-1e400', '99999999999999999999999', '1.5', '-0', 'NaN'])}}}`,
      };
    case 5: {
      const wrong = rnd.pick(['123', 'true', '[]', '{}', '""', '[1,2]', '{"a":1}']);
      const field = rnd.pick(['query', 'variables', 'operationName', 'extensions']);
      return {
        kind: `wrong-type-${field}`,
        body: `{"query":${JSON.stringify(query)},"${field}":${wrong}}`,
      };
    }
    case 6:
      return {
        kind: 'null',
        body: rnd.pick(['null', '{"query":null}', '[null]', '{"variables":null}']),
      };
    case 7:
      return {
        kind: 'batch',
        body: JSON.stringify(
          Array.from({ length: rnd.pick([0, 2, 6, 11, 500]) }, () =>
            rnd.bool() ? { query } : rnd.pick([null, 1, 'x', [], { query: 5 }]),
          ),
        ),
      };
    case 8:
      return { kind: 'scalar', body: rnd.pick(['1', '"query"', 'true', '-1', '""']) };
    case 9:
      return {
        kind: 'apq',
        body: JSON.stringify({
          ...(rnd.bool() ? { query } : {}),
          extensions: {
            persistedQuery: rnd.pick([
              { version: 1, sha256Hash: rnd.string(64, '0123456789abcdef') },
              { version: 1, sha256Hash: 42 },
              { sha256Hash: '' },
              'x',
              null,
            ]),
          },
        }),
      };
    case 10:
      return { kind: 'bom', body: `\ufeff${JSON.stringify({ query })}` };
    case 11:
      return {
        kind: 'invalid-utf8',
        body: Buffer.concat([
          Buffer.from('{"query":"'),
          rnd.bytes(rnd.int(1, 40)),
          Buffer.from('"}'),
        ]),
      };
    case 12:
      return {
        kind: 'proto',
        body: `{"query":${JSON.stringify(query)},"__proto__":{"x":1},"variables":{"__proto__":{"polluted":true},"constructor":{"prototype":{"y":1}}}}`,
      };
    case 13:
      // A page size from a variable is priced with its value, whatever the value is.
      return {
        kind: 'variables-page',
        body: JSON.stringify({
          query: rnd.pick([
            'query Q($n: Int) { orders(first: $n) { id items { productId } } }',
            'query Q($n: Int = 50) { me { orders(first: $n) { edges { node { id } } } } }',
            'query Q($n: Int) { orderSummaries(first: $n) { id } }',
          ]),
          variables: { n: rnd.pick([1, 100, 1_000_000, -1, 0, 'x', null, 1.5, [5], { n: 5 }]) },
        }),
      };
    case 14:
      // Deep JSON inside a batch: the edge re-serialises batches, so depth must be bounded first.
      return {
        kind: 'batch-deep-variables',
        body: `[{"query":${JSON.stringify(query)}},{"query":${JSON.stringify(query)},"variables":{"v":${nested(rnd.pick([11, 5000, 50_000]), '[', ']', '')}}}]`,
      };
    case 15:
      return {
        kind: 'wide-variables',
        body: JSON.stringify({
          query,
          variables: { v: Array.from({ length: rnd.pick([999, 1001, 20_000]) }, (_, i) => i) },
        }),
      };
    case 16: {
      // Aliased mutations, each one request; refused by input checks before any saga runs.
      const n = rnd.pick([2, 10, 40]);
      const mutations = Array.from(
        { length: n },
        (_, i) =>
          `m${i}: placeOrder(input: { idempotencyKey: "fuzz-${i}", items: [{ productId: "p-1", quantity: 0 }] }) { id }`,
      ).join(' ');
      const one = JSON.stringify({ query: `mutation { ${mutations} }` });
      return { kind: 'aliased-mutations', body: rnd.bool() ? one : `[${one},${one}]` };
    }
    default:
      return {
        kind: 'operation-name',
        body: JSON.stringify({
          query,
          operationName: rnd.pick(['Nope', '', 'x'.repeat(10_000), '😀']),
        }),
      };
  }
}

/** Headers a hostile or broken client sends, on an otherwise valid GraphQL POST. */
function mutateHeaders(
  rnd: SeededRandom,
  endpoint: FuzzEndpoint,
): { kind: string; headers: Record<string, string> } {
  const base = { 'content-type': 'application/json', ...endpoint.auth };
  const token = (parts: number) =>
    Array.from({ length: parts }, () => rnd.string(rnd.int(0, 60), `${IDENT}-_`)).join('.');
  switch (rnd.int(0, 9)) {
    case 0:
      return {
        kind: 'content-type',
        headers: {
          ...base,
          'content-type': rnd.pick([
            'text/plain',
            'application/graphql',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-16',
            'application/json; charset="',
            '*/*',
            ';;;',
            'a'.repeat(5000),
          ]),
        },
      };
    case 1: {
      const { 'content-type': _dropped, ...rest } = base;
      return { kind: 'no-content-type', headers: rest };
    }
    case 2:
      return {
        kind: 'bad-bearer',
        headers: {
          'content-type': 'application/json',
          authorization: rnd.pick([
            'Bearer',
            'Bearer ',
            `Bearer ${token(3)}`,
            `Bearer ${token(rnd.int(1, 6))}`,
            'Basic dXNlcjpwYXNz',
            `Bearer eyJhbGciOiJub25lIn0.${Buffer.from('{"sub":"u-1"}').toString('base64url')}.`,
            `Bearer ${'a'.repeat(8000)}`,
            `bearer  ${token(3)}`,
            'Bearer edgepk_0000_zzzz_0000',
          ]),
        },
      };
    case 3:
      return {
        kind: 'bad-api-key',
        headers: {
          'content-type': 'application/json',
          'x-api-key': rnd.pick([
            '',
            'edgepk_',
            `edgepk_${token(1)}_${token(1)}_${token(1)}`,
            `edgepk_${rnd.string(16, '0123456789abcdef')}_${rnd.string(43, IDENT)}_${rnd.string(6, IDENT)}`,
            'x'.repeat(4000),
          ]),
        },
      };
    case 4:
      return {
        kind: 'huge-header',
        headers: {
          ...base,
          [`x-${rnd.string(8, 'abcdefgh')}`]: 'v'.repeat(rnd.pick([4000, 15_000, 70_000])),
        },
      };
    case 5:
      return {
        kind: 'many-headers',
        headers: {
          ...base,
          ...Object.fromEntries(
            Array.from({ length: rnd.pick([50, 500, 3000]) }, (_, i) => [`x-h${i}`, String(i)]),
          ),
        },
      };
    case 6:
      return {
        kind: 'trace-headers',
        headers: {
          ...base,
          'x-request-id': rnd.pick(['', 'a b', 'x'.repeat(500), '\u00ff\u00fe', 'ok-id']),
          traceparent: rnd.pick([
            '00-zz-zz-01',
            `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
            'ff',
            '',
          ]),
        },
      };
    case 7:
      return {
        kind: 'wrong-surface-credential',
        headers: {
          'content-type': 'application/json',
          ...rnd.pick<Record<string, string>>([
            { 'x-api-key': 'edgepk_a_b_c' },
            { authorization: 'Bearer a.b.c' },
            {},
          ]),
        },
      };
    case 8:
      return { kind: 'forged-identity', headers: { ...base, 'x-edge-identity': token(3) } };
    default:
      return {
        kind: 'accept',
        headers: {
          ...base,
          accept: rnd.pick(['text/html', 'application/graphql-response+json', '', '*/*;q=0']),
        },
      };
  }
}

/** Bytes no HTTP client would send: the server's parser must answer or close, never crash. */
function rawRequest(rnd: SeededRandom, path: string): { kind: string; bytes: Buffer } {
  const body = '{"query":"{ __typename }"}';
  switch (rnd.int(0, 11)) {
    case 0:
      return { kind: 'garbage', bytes: rnd.bytes(rnd.int(1, 300)) };
    case 1:
      return {
        kind: 'bad-request-line',
        bytes: Buffer.from(
          `${rnd.pick(['POST', 'GET', 'post', 'FOO', ''])} ${rnd.pick([path, '', '*', 'http://evil/', '//a:99999', '/%E0%A4%A'])} ${rnd.pick(['HTTP/1.1', 'HTTP/9.9', 'HTTP/1', ''])}\r\nhost: x\r\nconnection: close\r\n\r\n`,
        ),
      };
    case 2:
      return {
        kind: 'lf-only',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\nhost: x\nconnection: close\ncontent-length: ${body.length}\n\n${body}`,
        ),
      };
    case 3:
      return {
        kind: 'cl-te',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n0\r\n\r\n`,
        ),
      };
    case 4:
      return {
        kind: 'bad-chunk',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n${rnd.pick(['zz', 'fffffffffffffffff', '-1', '5'])}\r\n{"q"\r\n0\r\n\r\n`,
        ),
      };
    case 5:
      return {
        kind: 'cl-mismatch',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${rnd.pick(['-1', 'abc', '1e3', '99999999999999999999', '3, 4'])}\r\n\r\n${body}`,
        ),
      };
    case 6:
      return {
        kind: 'short-body',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length + rnd.int(1, 50)}\r\n\r\n${body}`,
        ),
      };
    case 7:
      return {
        kind: 'header-nul',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\r\nhost: x\r\nx-a: a\u0000b\r\nconnection: close\r\n\r\n`,
          'latin1',
        ),
      };
    case 8:
      return { kind: 'h2-preface', bytes: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') };
    case 9:
      return {
        kind: 'partial-headers',
        bytes: Buffer.from(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-`),
      };
    case 10:
      return {
        kind: 'header-space',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type : application/json\r\n x-folded: y\r\nconnection: close\r\n\r\n`,
        ),
      };
    default:
      return {
        kind: 'http10',
        bytes: Buffer.from(
          `POST ${path} HTTP/1.0\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        ),
      };
  }
}

/** Method and path abuse on any endpoint. */
function mutateRoute(
  rnd: SeededRandom,
  endpoint: FuzzEndpoint,
): { kind: string; method: string; path: string } {
  const method = rnd.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST', 'TRACE']);
  const path = rnd.pick([
    endpoint.path,
    `${endpoint.path}/`,
    `${endpoint.path}?query=%7B__typename%7D`,
    `${endpoint.path}?${'a=1&'.repeat(500)}`,
    endpoint.path.toUpperCase(),
    `/../..${endpoint.path}`,
    `/%2e%2e${endpoint.path}`,
    `/${rnd.string(rnd.int(1, 3000), `${IDENT}%/.`)}`,
    '/%E0%A4%A',
    '/%00',
  ]);
  return { kind: `route-${method.toLowerCase()}`, method, path };
}

/**
 * The fuzzer's cases, a pure function of the seed and the endpoints: the same seed gives the
 * same bytes (up to the credentials, which each run mints afresh).
 */
export function generateCases(
  seed: number,
  count: number,
  endpoints: readonly FuzzEndpoint[],
): FuzzCase[] {
  const rnd = new SeededRandom(seed);
  const graphql = endpoints.filter((e) => e.graphql);
  const plain = endpoints.filter((e) => !e.graphql);
  if (graphql.length === 0 || plain.length === 0) {
    throw new Error('generateCases needs GraphQL and plain endpoints');
  }
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    // GraphQL endpoints hold most of the logic worth breaking: three cases in four go there.
    const endpoint = rnd.pick(rnd.bool(0.75) ? graphql : plain);
    const doc = endpoint.documents.length > 0 ? rnd.pick(endpoint.documents) : '{ __typename }';
    const jsonHeaders = { 'content-type': 'application/json', ...endpoint.auth };
    const family = endpoint.graphql ? rnd.int(0, 9) : rnd.pick([5, 6, 7]);
    let kind: string;
    let bytes: Buffer;
    let head = false;
    if (family <= 3) {
      const m = mutateDocument(rnd, doc);
      kind = `graphql/${m.kind}`;
      bytes = httpRequest('POST', endpoint.path, jsonHeaders, JSON.stringify({ query: m.query }));
    } else if (family <= 5) {
      const m = mutateJson(rnd, doc);
      kind = `json/${m.kind}`;
      bytes = httpRequest('POST', endpoint.path, jsonHeaders, m.body);
    } else if (family === 6) {
      const m = mutateHeaders(rnd, endpoint);
      kind = `headers/${m.kind}`;
      bytes = httpRequest('POST', endpoint.path, m.headers, JSON.stringify({ query: doc }));
    } else if (family === 7) {
      const m = mutateRoute(rnd, endpoint);
      kind = `route/${m.kind}`;
      head = m.method === 'HEAD';
      bytes = httpRequest(
        m.method,
        m.path,
        jsonHeaders,
        m.method === 'GET' || head ? undefined : JSON.stringify({ query: doc }),
      );
    } else {
      const m = rawRequest(rnd, endpoint.path);
      kind = `raw/${m.kind}`;
      bytes = m.bytes;
    }
    cases.push({ index, kind, endpoint, bytes, head, mayBeIncomplete: kind.startsWith('raw/') });
  }
  return cases;
}
