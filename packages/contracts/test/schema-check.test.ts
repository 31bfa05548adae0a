import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkLiveDocuments,
  createFileDocumentStore,
  schemaFromSdl,
  sha256Hex,
} from '../src/index.js';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@shareable"])
type Query { orders(first: Int): [Order!] }
type Order @shareable { id: ID! itemCount: Int! legacy: String @deprecated(reason: "gone") }`;
const ORDERS = 'query Orders { orders(first: 1) { id itemCount } }';
const IDS = 'query Ids { orders { id } }';
const op = (body: string, name: string) => ({
  id: sha256Hex(body),
  name,
  type: 'query' as const,
  body,
});

describe('schema check against live client versions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-check-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names client, version and operation of every broken document; retired versions and other surfaces do not block', async () => {
    const store = createFileDocumentStore(dir);
    await store.push({ client: 'mobile', version: '5.2.0', surface: 'mobile' }, [
      op(ORDERS, 'Orders'),
      op(IDS, 'Ids'),
    ]);
    await store.push({ client: 'mobile', version: '5.1.0', surface: 'mobile' }, [op(IDS, 'Ids')]);
    await store.push({ client: 'web', version: '1.0.0', surface: 'web' }, [op(ORDERS, 'Orders')]);
    expect((await checkLiveDocuments(store, 'mobile', schemaFromSdl(SDL))).broken).toEqual([]);

    const removal = schemaFromSdl(SDL.replace(' itemCount: Int!', ''));
    const result = await checkLiveDocuments(store, 'mobile', removal);
    expect(result).toEqual({
      versions: 2,
      operations: 3,
      broken: [
        {
          client: 'mobile',
          version: '5.2.0',
          surface: 'mobile',
          operation: 'Orders',
          id: sha256Hex(ORDERS),
          errors: ['Cannot query field "itemCount" on type "Order".'],
        },
      ],
    });
    await store.retire('mobile', '5.2.0');
    expect((await checkLiveDocuments(store, 'mobile', removal)).broken).toEqual([]);
  });
});
