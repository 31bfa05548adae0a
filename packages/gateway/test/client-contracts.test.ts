import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFailFastRedis } from '@edge/common';
import {
  createFileDocumentStore,
  createRedisDocumentStore,
  type DocumentStore,
  sha256Hex,
} from '@edge/contracts';
import { deleteKeysWithPrefix, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayFixture, startGatewayFixture, testRedisUrl } from './gateway-fixture';

const ME = 'query Me { me { id } }';
const OTHER = 'query Other { me { name } }';
const prefix = `test:contracts:${randomUUID()}`;
const v520 = { 'apollographql-client-name': 'mobile', 'apollographql-client-version': '5.2.0' };

describe('per-version trusted documents at the edge', () => {
  let fx: GatewayFixture;
  let store: DocumentStore;
  let mobile: Record<string, string>;
  const redis = createFailFastRedis(testRedisUrl, { enableOfflineQueue: true });

  beforeAll(async () => {
    fx = await startGatewayFixture({
      CONTRACTS_PREFIX: prefix,
      CONTRACTS_REFRESH_MS: '50',
      DOCUMENT_USES_FLUSH_MS: '50',
    });
    store = createRedisDocumentStore(
      createFailFastRedis(testRedisUrl, { enableOfflineQueue: true }),
      prefix,
    );
    await store.push({ client: 'mobile', version: '5.2.0', surface: 'mobile' }, [
      { id: sha256Hex(ME), name: 'Me', type: 'query', body: ME },
    ]);
    mobile = { authorization: `Bearer ${await fx.token('mobile', 'u-1')}` };
    // Pushed after the gateway started: it learns of the version from the stamp check.
    await waitUntil('the pushed version to reach the edge', async () => {
      const res = await fx.post('/mobile/graphql', { query: OTHER }, { ...mobile, ...v520 });
      return res.status === 403;
    });
  });
  afterAll(async () => {
    await fx?.close();
    await store?.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('a registered version runs its documents by text and by hash alone', async () => {
    const byHash = await fx.post(
      '/mobile/graphql',
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(ME) } } },
      { ...mobile, ...v520 },
    );
    expect(byHash.status).toBe(200);
    expect(byHash.body.data.me.id).toBe('u-1');
  });

  it('an unregistered document from a registered version returns 403 DOCUMENT_NOT_REGISTERED and never reaches the BFF', async () => {
    fx.bff.resetCalls();
    const res = await fx.post('/mobile/graphql', { query: OTHER }, { ...mobile, ...v520 });
    expect(res.status).toBe(403);
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'DOCUMENT_NOT_REGISTERED',
      contract: 'unregistered_document',
      client: 'mobile',
      clientVersion: '5.2.0',
    });
    expect(fx.bff.calls()).toEqual({});
  });

  it('outside production an unregistered client runs any valid document', async () => {
    const res = await fx.post('/mobile/graphql', { query: OTHER }, mobile);
    expect(res.status).toBe(200);
  });

  it('where a surface refuses arbitrary documents, an unknown version returns DOCUMENT_NOT_REGISTERED (web still accepts them)', async () => {
    const strict = await fx.addGateway({ ARBITRARY_DOCUMENTS: 'web' });
    const anonymous = await fx.post('/mobile/graphql', { query: ME }, mobile, strict);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.errors[0].extensions.contract).toBe('unknown_version');
    const unknown = await fx.post(
      '/mobile/graphql',
      { query: ME },
      { ...mobile, ...v520, 'apollographql-client-version': '4.0.0' },
      strict,
    );
    expect(unknown.body.errors[0].extensions.contract).toBe('unknown_version');
    const registered = await fx.post(
      '/mobile/graphql',
      { query: ME },
      { ...mobile, ...v520 },
      strict,
    );
    expect(registered.status).toBe(200);
    const web = await fx.post(
      '/web/graphql',
      { query: OTHER },
      {
        authorization: `Bearer ${await fx.token('web', 'u-1')}`,
      },
      strict,
    );
    expect(web.status).toBe(200);
  });

  it('where a surface refuses arbitrary documents, a request naming no registered version runs exactly the trusted-documents file', async () => {
    const file = join(fx.dataDir, 'trusted.json');
    const legacy = 'query Legacy { me { id name } }';
    writeFileSync(file, JSON.stringify({ [sha256Hex(legacy)]: legacy }));
    const strict = await fx.addGateway({
      ARBITRARY_DOCUMENTS: 'web',
      TRUSTED_DOCUMENTS_FILE: file,
    });
    const byHash = await fx.post(
      '/mobile/graphql',
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(legacy) } } },
      mobile,
      strict,
    );
    expect(byHash.status).toBe(200);
    const byText = await fx.post('/mobile/graphql', { query: legacy }, mobile, strict);
    expect(byText.status).toBe(200);
    const unknown = { ...mobile, ...v520, 'apollographql-client-version': '4.0.0' };
    expect((await fx.post('/mobile/graphql', { query: legacy }, unknown, strict)).status).toBe(200);
    fx.bff.resetCalls();
    for (const body of [
      { query: OTHER },
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(OTHER) } } },
    ]) {
      const refused = await fx.post('/mobile/graphql', body, mobile, strict);
      expect(refused.status).toBe(403);
      expect(refused.body.errors[0].extensions.contract).toBe('unknown_version');
    }
    // A registered version keeps its own contract: the file does not widen it.
    const registered = await fx.post(
      '/mobile/graphql',
      { query: legacy },
      { ...mobile, ...v520 },
      strict,
    );
    expect(registered.body.errors[0].extensions.contract).toBe('unregistered_document');
    expect(fx.bff.calls()).toEqual({});
  });

  it('uses are counted per client, version and document, in the store and as a metric', async () => {
    await store.push({ client: 'mobile', version: '5.3.0', surface: 'mobile' }, [
      { id: sha256Hex(ME), name: 'Me', type: 'query', body: ME },
    ]);
    const v530 = { ...mobile, ...v520, 'apollographql-client-version': '5.3.0' };
    await waitUntil('5.3.0 to reach the edge', async () => {
      return (await fx.post('/mobile/graphql', { query: OTHER }, v530)).status === 403;
    });
    for (let i = 0; i < 3; i++) {
      expect((await fx.post('/mobile/graphql', { query: ME }, v530)).status).toBe(200);
    }
    const usage = await waitUntil('uses flushed to the store', async () => {
      const row = (await store.usage()).find((u) => u.version === '5.3.0');
      return row?.byDocument[sha256Hex(ME)] === 3 ? row : undefined;
    });
    expect(usage).toMatchObject({ client: 'mobile', version: '5.3.0' });
    expect(usage.lastSeenAt).toBeGreaterThan(0);
    const metrics = await (await fetch(`${fx.gateways[0]?.url}/metrics`)).text();
    expect(metrics).toMatch(
      /edge_client_document_requests_total\{surface="mobile",client="mobile",version="5.3.0",service="gateway"\} 3$/m,
    );
  });

  it('a retired version is refused with reason retired_version', async () => {
    await store.retire('mobile', '5.2.0');
    const res = await waitUntil('the retirement to reach the edge', async () => {
      const answer = await fx.post('/mobile/graphql', { query: ME }, { ...mobile, ...v520 });
      return answer.status === 403 ? answer : undefined;
    });
    expect(res.body.errors[0].extensions).toMatchObject({
      code: 'DOCUMENT_NOT_REGISTERED',
      contract: 'retired_version',
    });
  });
});

describe('per-version trusted documents without Redis', () => {
  it('the embedded edge reads versions the CLI wrote under DATA_DIR/contracts', async () => {
    const fx = await startGatewayFixture({ STORE_MODE: 'memory', CONTRACTS_REFRESH_MS: '50' });
    try {
      const store = createFileDocumentStore(join(fx.dataDir, 'contracts'));
      await store.push({ client: 'mobile', version: '5.2.0', surface: 'mobile' }, [
        { id: sha256Hex(ME), name: 'Me', type: 'query', body: ME },
      ]);
      const headers = { authorization: `Bearer ${await fx.token('mobile', 'u-1')}`, ...v520 };
      const refused = await waitUntil('the file registry to reach the edge', async () => {
        const res = await fx.post('/mobile/graphql', { query: OTHER }, headers);
        return res.status === 403 ? res : undefined;
      });
      expect(refused.body.errors[0].extensions.code).toBe('DOCUMENT_NOT_REGISTERED');
      expect((await fx.post('/mobile/graphql', { query: ME }, headers)).status).toBe(200);
    } finally {
      await fx.close();
    }
  });
});
