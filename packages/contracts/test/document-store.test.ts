import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFailFastRedis, DEFAULT_REDIS_URL, unlinkKeysMatching } from '@edge/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Not @edge/testkit: it depends on the BFF runtime, which depends on this package.
const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

import {
  createFileDocumentStore,
  createRedisDocumentStore,
  type DocumentStore,
  parseManifest,
  sha256Hex,
} from '../src/index';

const ME = 'query Me { home { userName } }';
const ORDERS = 'query Orders { orderSummaries(first: 5) { id } }';
const op = (body: string, name: string) => ({
  id: sha256Hex(body),
  name,
  type: 'query' as const,
  body,
});

interface Pair {
  writer: DocumentStore;
  reader: DocumentStore;
  dispose(): Promise<void>;
}

function describeDocumentStore(kind: string, open: () => Promise<Pair>) {
  describe(`${kind} document store`, () => {
    let pair: Pair;
    beforeEach(async () => {
      pair = await open();
    });
    afterEach(async () => {
      await pair.dispose();
    });

    it('a pushed version is read back with its operations and bodies by another client', async () => {
      const before = await pair.reader.stamp();
      await pair.writer.push({ client: 'mobile', version: '5.2.0', surface: 'mobile' }, [
        op(ME, 'Me'),
        op(ORDERS, 'Orders'),
      ]);
      expect(await pair.reader.stamp()).not.toBe(before);
      const [version] = await pair.reader.versions();
      expect(version).toMatchObject({
        client: 'mobile',
        version: '5.2.0',
        surface: 'mobile',
        retiredAt: null,
        operations: [
          { id: sha256Hex(ME), name: 'Me', type: 'query' },
          { id: sha256Hex(ORDERS), name: 'Orders', type: 'query' },
        ],
      });
      const bodies = await pair.reader.bodies([sha256Hex(ME), 'missing']);
      expect([...bodies]).toEqual([[sha256Hex(ME), ME]]);
    });

    it('retire marks the version and moves the stamp; an unknown version is undefined', async () => {
      await pair.writer.push({ client: 'mobile', version: '5.1.0', surface: 'mobile' }, [
        op(ME, 'Me'),
      ]);
      const before = await pair.reader.stamp();
      const retired = await pair.writer.retire('mobile', '5.1.0');
      expect(retired?.retiredAt).toEqual(expect.any(String));
      expect(await pair.reader.stamp()).not.toBe(before);
      expect((await pair.reader.versions())[0]?.retiredAt).toBe(retired?.retiredAt);
      expect(await pair.writer.retire('mobile', '9.9.9')).toBeUndefined();
    });

    it('uses add up per client, version and document, with the last time seen', async () => {
      await pair.writer.recordUses(
        [
          { client: 'mobile', version: '5.2.0', id: 'a', count: 2 },
          { client: 'mobile', version: '5.2.0', id: 'b', count: 1 },
        ],
        1000,
      );
      await pair.writer.recordUses(
        [{ client: 'mobile', version: '5.2.0', id: 'a', count: 3 }],
        2000,
      );
      expect(await pair.reader.usage()).toEqual([
        { client: 'mobile', version: '5.2.0', lastSeenAt: 2000, byDocument: { a: 5, b: 1 } },
      ]);
    });
  });
}

describeDocumentStore('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-contracts-'));
  return {
    writer: createFileDocumentStore(dir),
    reader: createFileDocumentStore(dir),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeDocumentStore('redis', async () => {
  const prefix = `test:contracts:${randomUUID()}`;
  const client = () => createFailFastRedis(REDIS_URL, { enableOfflineQueue: true });
  const cleanup = client();
  const writer = createRedisDocumentStore(client(), prefix);
  const reader = createRedisDocumentStore(client(), prefix);
  return {
    writer,
    reader,
    dispose: async () => {
      await unlinkKeysMatching(cleanup, `${prefix}*`);
      cleanup.disconnect();
      await writer.close();
      await reader.close();
    },
  };
});

describe('persisted-query manifest', () => {
  it('reads Apollo manifests and refuses an id that is not the hash of its body', () => {
    const manifest = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: sha256Hex(ME), name: 'Me', type: 'query', body: ME }],
    };
    expect(parseManifest(manifest, 'm.json')).toEqual([
      { id: sha256Hex(ME), name: 'Me', type: 'query', body: ME },
    ]);
    const wrong = { ...manifest, operations: [{ id: sha256Hex(ORDERS), name: 'Me', body: ME }] };
    expect(() => parseManifest(wrong, 'm.json')).toThrow(/not the SHA-256/);
    expect(() => parseManifest({ format: 'other', operations: [] }, 'm.json')).toThrow(/format/);
  });
});
