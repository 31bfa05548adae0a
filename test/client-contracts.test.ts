import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFailFastRedis } from '@edge/common';
import { sha256Hex } from '@edge/contracts';
import { deleteKeysWithPrefix, startWebhookReceiver, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, root, startTestStack, type TestStack } from './harness';

const HOME = 'query Home { home { userName recentOrders { id status } } }';
const ORDERS = 'query Orders { orderSummaries(first: 5) { id status itemCount } }';
const UNREGISTERED = 'query Sneaky { orderSummaries(first: 50) { id total { amountCents } } }';

const MOBILE_SDL = readFileSync(join(root, 'packages/bff-mobile/src/schema.graphql'), 'utf8');
const ORDER_MUTATIONS_SDL = join(root, 'packages/bff-runtime/src/order-mutations.graphql');
const ITEM_COUNT = '  "Units across all items."\n  itemCount: Int!\n';

const EMAIL_DEPRECATED_AT = '2026-05-01T00:00:00Z';
const EMAIL_SUNSET = '2027-06-30T00:00:00Z';
const PARTNER_V1_SDL = join(root, 'packages/bff-partner/src/schema-v1.graphql');
const WITH_EMAIL = 'query WithEmail { orders(first: 2) { id customerEmail } }';
const WITHOUT_EMAIL = 'query Plain { orders(first: 2) { id status } }';
const EMAIL_PAGE = 'query EmailPage($first: Int) { orders(first: $first) { id customerEmail } }';

const manifest = (...bodies: [string, string][]) => ({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: bodies.map(([name, body]) => ({ id: sha256Hex(body), name, type: 'query', body })),
});

describe('client contracts on the whole stack', () => {
  const prefix = `e2e:contracts:${randomUUID()}`;
  let stack: TestStack;
  let mobileToken: string;

  const cliEnv = () => ({
    ...process.env,
    REDIS_URL: redisUrl,
    STORE_MODE: 'redis',
    CONTRACTS_PREFIX: prefix,
    DATA_DIR: stack.dataDir,
  });
  /** `npm run -s cli -- <args>`, on the stack's Redis and contract prefix. */
  const cli = (...args: string[]) => {
    const res = spawnSync(process.execPath, ['scripts/run.mjs', 'cli', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: cliEnv(),
    });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };
  const cliAsync = (...args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/run.mjs', 'cli', ...args], {
        cwd: root,
        env: cliEnv(),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      child.on('close', (code) => resolve({ code, err }));
    });
  const file = (name: string, content: unknown) => {
    const path = join(stack.dataDir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  /** `documents push` of a manifest written for the occasion. */
  const push = (
    client: string,
    version: string,
    content: ReturnType<typeof manifest>,
    surface?: string,
  ) =>
    cli(
      'documents',
      'push',
      '--client',
      client,
      '--version',
      version,
      ...(surface ? ['--surface', surface] : []),
      file(`${client}-${version}.json`, content),
    );
  const asMobile = (version: string, query: string) =>
    stack.gql('/mobile/graphql', query, {
      token: mobileToken,
      headers: {
        'apollographql-client-name': 'mobile',
        'apollographql-client-version': version,
      },
    });

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        CONTRACTS_PREFIX: prefix,
        CONTRACTS_REFRESH_MS: '100',
        DOCUMENT_USES_FLUSH_MS: '100',
        PARTNER_USAGE_FLUSH_MS: '100',
        FIELD_DEPRECATIONS: JSON.stringify({
          'PartnerOrder.customerEmail': {
            deprecatedAt: EMAIL_DEPRECATED_AT,
            sunsetAt: EMAIL_SUNSET,
          },
        }),
      },
    });
    mobileToken = await stack.token('mobile', 'u-1');
  });
  afterAll(async () => {
    await stack?.stop();
    const redis = createFailFastRedis(redisUrl, { enableOfflineQueue: true });
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('documents push registers 5.2.0; its documents run, an unregistered one is refused with DOCUMENT_NOT_REGISTERED', async () => {
    const pushed = push('mobile', '5.2.0', manifest(['Home', HOME], ['Orders', ORDERS]));
    expect(pushed, pushed.err).toMatchObject({ code: 0, out: '' });
    expect(pushed.err).toMatch(/pushed 2 operation\(s\) for mobile@5.2.0 on mobile/);
    const refused = await waitUntil('5.2.0 to reach the edge', async () => {
      const res = await asMobile('5.2.0', UNREGISTERED);
      return res.status === 403 ? res : undefined;
    });
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'DOCUMENT_NOT_REGISTERED',
      contract: 'unregistered_document',
      client: 'mobile',
      clientVersion: '5.2.0',
    });
    const orders = await asMobile('5.2.0', ORDERS);
    expect(orders.status).toBe(200);
    expect(orders.body.data.orderSummaries.length).toBeGreaterThan(0);
    expect((await asMobile('5.2.0', HOME)).status).toBe(200);
  });

  it('introspection describes the client-facing schema, answered by the edge: no federation internals, nothing the edge refuses', async () => {
    const token = await stack.token('web', 'u-1');
    const res = await stack.gql(
      '/web/graphql',
      '{ __schema { queryType { fields { name } } types { name } } }',
      { token },
    );
    expect(res.status).toBe(200);
    const types = (res.body.data.__schema.types as { name: string }[]).map((t) => t.name);
    const fields = (res.body.data.__schema.queryType.fields as { name: string }[]).map(
      (f) => f.name,
    );
    expect(fields).toContain('me');
    for (const internal of ['_service', '_entities']) expect(fields).not.toContain(internal);
    for (const internal of ['_Service', 'link__Import', 'federation__FieldSet', 'link__Purpose']) {
      expect(types).not.toContain(internal);
    }
    // The deep part of the standard query (GraphiQL's, codegen's: `ofType` seven times, past the
    // web depth limit of 12) is served, priced by its answer's size, not refused on depth.
    const typeRef = `${'kind name ofType { '.repeat(7)}kind name${' }'.repeat(7)}`;
    const standard = await stack.gql(
      '/web/graphql',
      `{ __schema { queryType { name } types { kind name fields(includeDeprecated: true) {
         name args { name type { ...T } } type { ...T } } } } }
       fragment T on __Type { ${typeRef} }`,
      { token },
    );
    expect(standard.status).toBe(200);
    expect(standard.body.data.__schema.queryType.name).toBe('Query');
    const typename = await stack.gql('/web/graphql', '{ __typename }', { token });
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
    // __typename beside data goes to the BFF as before; the schema beside data is refused, since
    // the BFF would describe its subgraph.
    const withTypename = await stack.gql('/web/graphql', '{ __typename me { id } }', { token });
    expect(withTypename.body.data).toEqual({ __typename: 'Query', me: { id: 'u-1' } });
    const mixed = await stack.gql('/web/graphql', '{ me { id } __schema { types { name } } }', {
      token,
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('documents list shows the version with its operation count', () => {
    const listed = cli('documents', 'list', '--json');
    expect(listed.code).toBe(0);
    const rows = listed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toEqual([
      expect.objectContaining({
        client: 'mobile',
        version: '5.2.0',
        operations: 2,
        retiredAt: null,
      }),
    ]);
  });

  it('a manifest whose id is not the hash of its body is misuse: exit 2, nothing pushed', () => {
    const bad = manifest(['Home', HOME]);
    const [first] = bad.operations;
    if (first) first.id = sha256Hex(ORDERS);
    const res = cli(
      'documents',
      'push',
      '--client',
      'mobile',
      '--version',
      '9.0.0',
      file('bad.json', bad),
    );
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/not the SHA-256/);
  });

  it('schema check: a removal that breaks mobile 5.2.0 fails (exit 3, naming client, version and operation) and passes once 5.2.0 is retired', () => {
    expect(MOBILE_SDL).toContain(ITEM_COUNT);
    const pushed = push('mobile', '5.1.0', manifest(['Home', HOME]));
    expect(pushed.code, pushed.err).toBe(0);
    const unchanged = cli(
      'schema',
      'check',
      '--surface',
      'mobile',
      file('same.graphql', MOBILE_SDL),
      ORDER_MUTATIONS_SDL,
    );
    expect(unchanged, unchanged.err).toMatchObject({ code: 0, out: '' });
    expect(unchanged.err).toMatch(
      /no live client breaks: 3 operation\(s\) of 2 live version\(s\) on mobile/,
    );

    const removal = file('new.graphql', MOBILE_SDL.replace(ITEM_COUNT, ''));
    const breaking = cli('schema', 'check', '--surface', 'mobile', removal, ORDER_MUTATIONS_SDL);
    expect(breaking.code).toBe(3);
    expect(breaking.out).toBe(
      'mobile 5.2.0 Orders: Cannot query field "itemCount" on type "OrderSummary".\n',
    );
    expect(breaking.err).toMatch(/breaks 1 of 3 operation\(s\) of 2 live version\(s\)/);

    const retired = cli('documents', 'retire', '--client', 'mobile', '--version', '5.2.0');
    expect(retired.code, retired.err).toBe(0);
    const after = cli('schema', 'check', '--surface', 'mobile', removal, ORDER_MUTATIONS_SDL);
    expect(after, after.err).toMatchObject({ code: 0, out: '' });
  });

  it('a retired version is refused at the edge', async () => {
    const refused = await waitUntil('the retirement to reach the edge', async () => {
      const res = await asMobile('5.2.0', ORDERS);
      return res.status === 403 ? res : undefined;
    });
    expect(refused.body.errors[0].extensions.contract).toBe('retired_version');
    expect((await asMobile('5.1.0', HOME)).status).toBe(200);
  });

  it('documents stale lists live versions without traffic since a date; used and retired ones are not listed', async () => {
    const pushed = push('mobile', '5.3.0', manifest(['Home', HOME]));
    expect(pushed.code, pushed.err).toBe(0);
    const since = new Date().toISOString();
    expect((await asMobile('5.1.0', HOME)).status).toBe(200);
    // 5.1.0 leaves the list once the edge flushed that use; 5.3.0, never used, stays.
    const stale = await waitUntil('the 5.1.0 use to be flushed', () => {
      const res = cli('documents', 'stale', '--since', since, '--json');
      const rows = res.out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return res.code === 0 && rows.length === 1 ? rows : undefined;
    });
    expect(stale).toEqual([
      expect.objectContaining({ client: 'mobile', version: '5.3.0', lastSeenAt: null }),
    ]);
    expect(cli('documents', 'stale', '--days', '30')).toMatchObject({
      code: 0,
      out: 'CLIENT  VERSION  SURFACE  PUSHEDAT  LASTSEENAT\n',
    });
  });

  it('a BFF starting with a schema that breaks a live version logs it, and with CONTRACTS_ON_BREAK=refuse does not start', async () => {
    const broken = 'query Loyalty { orderSummaries(first: 1) { id loyaltyPoints } }';
    const pushed = push('mobile', '6.0.0', manifest(['Loyalty', broken]));
    expect(pushed.code, pushed.err).toBe(0);
    const refused = await stack.restartBffWith('bff-mobile', { CONTRACTS_ON_BREAK: 'refuse' }).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/exited with 1 before it was ready/);
    const line = refused.split('\n').find((l) => l.includes('SCHEMA BREAKS A LIVE CLIENT VERSION'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      surface: 'mobile',
      client: 'mobile',
      clientVersion: '6.0.0',
      operation: 'Loyalty',
      errors: ['Cannot query field "loyaltyPoints" on type "OrderSummary".'],
    });
    expect(cli('documents', 'retire', '--client', 'mobile', '--version', '6.0.0').code).toBe(0);
    await stack.restartBffWith('bff-mobile', { CONTRACTS_ON_BREAK: 'refuse' });
    expect((await asMobile('5.1.0', HOME)).status).toBe(200);
  });

  it('Deprecation and Sunset appear exactly on operations that select a deprecated field, with extensions.deprecations', async () => {
    const apiKey = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v1'],
      tier: 'pro',
    });
    const pushed = push(
      'acme-app',
      '1.0.0',
      manifest(['WithEmail', WITH_EMAIL], ['Plain', WITHOUT_EMAIL], ['EmailPage', EMAIL_PAGE]),
      'partner-v1',
    );
    expect(pushed.code, pushed.err).toBe(0);
    const headers = {
      'apollographql-client-name': 'acme-app',
      'apollographql-client-version': '1.0.0',
    };
    const asAcme = (query: string, variables?: Record<string, unknown>) =>
      stack.gql('/partner/v1/graphql', query, { apiKey, headers }, variables);
    await waitUntil(
      'acme-app 1.0.0 to reach the edge',
      async () => (await asAcme(UNREGISTERED)).status === 403,
    );

    const deprecated = await asAcme(WITH_EMAIL);
    expect(deprecated.status).toBe(200);
    expect(deprecated.headers.get('deprecation')).toBe(
      `@${Date.parse(EMAIL_DEPRECATED_AT) / 1000}`,
    );
    expect(deprecated.headers.get('sunset')).toBe(new Date(EMAIL_SUNSET).toUTCString());
    expect(deprecated.body.extensions.deprecations).toEqual(['PartnerOrder.customerEmail']);
    expect(deprecated.body.extensions.cost.requestedQueryCost).toBe(2);

    const plain = await asAcme(WITHOUT_EMAIL);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('deprecation')).toBeNull();
    expect(plain.headers.get('sunset')).toBeNull();
    expect(plain.body.extensions.deprecations).toBeUndefined();
    const mobile = await asMobile('5.1.0', HOME);
    expect(mobile.status).toBe(200);
    expect(mobile.headers.get('deprecation')).toBeNull();
    // Bad variables: the BFF answers 400 BAD_USER_INPUT and serves nothing, so no signal.
    const badVariables = await asAcme(EMAIL_PAGE, { first: 'two' });
    expect(badVariables.status).toBe(400);
    expect(badVariables.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(badVariables.headers.get('deprecation')).toBeNull();
    expect(badVariables.headers.get('sunset')).toBeNull();
    expect(badVariables.body.extensions?.deprecations).toBeUndefined();

    const metrics = await (await fetch(`${stack.urls.gateway}/metrics`)).text();
    expect(metrics).toMatch(
      /^edge_deprecated_field_requests_total\{surface="partner-v1",field="PartnerOrder.customerEmail",client="acme-app",service="gateway"\} 1$/m,
    );
    // The report: who still selects deprecated fields, and how often the edge ran it.
    const report = await waitUntil('the use to be flushed', () => {
      const res = cli(
        'schema',
        'deprecations',
        '--surface',
        'partner-v1',
        PARTNER_V1_SDL,
        ORDER_MUTATIONS_SDL,
        '--json',
      );
      const rows = res.out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return res.code === 0 && rows.length === 2 && rows.every((r) => r.uses === 1)
        ? rows
        : undefined;
    });
    // Uses count what the edge ran for the version, so EmailPage's refused run is one.
    expect(report).toEqual(
      ['WithEmail', 'EmailPage'].map((operation) => ({
        client: 'acme-app',
        version: '1.0.0',
        operation,
        fields: ['PartnerOrder.customerEmail'],
        uses: 1,
      })),
    );
  });

  it('partner usage: requests and cost per key and hour equal what was sent, in `usage` and in the CloudEvents export (file and push)', async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const range = [
      '--from',
      new Date(hour).toISOString(),
      '--to',
      new Date(hour + 7_200_000).toISOString(),
    ];
    const partner = `partner-usage-${randomUUID().slice(0, 8)}`;
    const apiKey = await stack.partnerKey({
      partnerId: partner,
      versions: ['v1', 'v2'],
      tier: 'pro',
    });
    const keyId = apiKey.split('_')[1];
    const sent = { requests: 0, cost: 0 };
    const send = async (path: string, body: unknown) => {
      const res = await fetch(`${stack.urls.gateway}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    for (const first of [1, 2, 5]) {
      const res = await send('/partner/v2/graphql', {
        query: `{ orders(first: ${first}) { id } }`,
      });
      expect(res.status).toBe(200);
      sent.requests += 1;
      sent.cost += res.body.extensions.cost.requestedQueryCost;
    }
    const batch = await send('/partner/v1/graphql', [
      { query: '{ orders(first: 3) { id } }' },
      { query: '{ orders(first: 4) { id status } }' },
    ]);
    expect(batch.status).toBe(200);
    for (const answer of batch.body) {
      sent.requests += 1;
      sent.cost += answer.extensions.cost.requestedQueryCost;
    }
    // Refused by the edge: counted against the rate limit, never billed.
    expect((await send('/partner/v2/graphql', { query: '{ nope }' })).status).toBe(400);
    expect(sent.cost).toBeGreaterThan(sent.requests);

    const rows = await waitUntil('the usage to be flushed', () => {
      const res = cli('usage', '--partner', partner, ...range, '--json');
      const found = res.out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const requests = found.reduce((n, r) => n + r.requests, 0);
      return res.code === 0 && requests >= sent.requests ? found : undefined;
    });
    expect(rows.every((r) => r.partner === partner && r.keyId === keyId)).toBe(true);
    const total = (list: { requests: number; cost: number }[]) =>
      list.reduce((t, r) => ({ requests: t.requests + r.requests, cost: t.cost + r.cost }), {
        requests: 0,
        cost: 0,
      });
    expect(total(rows)).toEqual(sent);

    const out = join(stack.dataDir, 'usage.jsonl');
    const exported = cli('usage', 'export', '--partner', partner, ...range, '--open', '--out', out);
    expect(exported.code, exported.err).toBe(0);
    const events = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      type: 'com.edge.partner.usage',
      source: 'edge-gateway',
      subject: partner,
      datacontenttype: 'application/json',
      data: { keyId },
    });
    expect(total(events.map((e) => e.data))).toEqual(sent);

    const sink = await startWebhookReceiver();
    try {
      // Asynchronously: the receiver answers from this process, which spawnSync would block.
      const pushed = await cliAsync(
        'usage',
        'export',
        '--partner',
        partner,
        ...range,
        '--open',
        '--push',
        sink.url,
      );
      expect(pushed.code, pushed.err).toBe(0);
      const [received] = sink.received;
      expect(sink.received).toHaveLength(1);
      expect(received?.body).toEqual(events);
    } finally {
      await sink.close();
    }
  });
});
