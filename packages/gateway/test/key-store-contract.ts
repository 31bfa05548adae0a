import { randomUUID } from 'node:crypto';
import { createFailFastRedis, type RedisTarget } from '@edge/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createKey, revokeKey } from '../src/api-keys';
import { createRedisKeyStore, type KeyStore } from '../src/key-store';

/**
 * Two handles on one store, as the CLI and a gateway (or two gateways) hold them; `dispose`
 * closes both.
 */
export type KeyStoreFactory = () => Promise<{
  writer: KeyStore;
  reader: KeyStore;
  dispose: () => Promise<void>;
}>;

/** The Redis store's two handles, each on its own client to `target` (one node or a cluster). */
export function redisKeyStores(target: string | RedisTarget): KeyStoreFactory {
  return async () => {
    const client = () => createFailFastRedis(target, { enableOfflineQueue: true });
    const writer = createRedisKeyStore(client());
    const reader = createRedisKeyStore(client());
    return {
      writer,
      reader,
      dispose: async () => {
        await writer.close();
        await reader.close();
      },
    };
  };
}

/** What every KeyStore must do, on files, one Redis node and a Redis Cluster alike. */
export function describeKeyStoreContract(name: string, factory: KeyStoreFactory): void {
  describe(`${name} KeyStore contract`, () => {
    const disposers: Array<() => Promise<void>> = [];
    const open = async () => {
      const opened = await factory();
      disposers.push(opened.dispose);
      return opened;
    };
    afterEach(async () => {
      for (const dispose of disposers.splice(0)) await dispose();
    });

    it('a created key is read back by another handle, without its secret', async () => {
      const { writer, reader } = await open();
      const partnerId = `partner-${randomUUID()}`;
      const { key, record } = await createKey(writer, { partnerId, versions: ['v1'], tier: 'pro' });
      const read = await reader.get(record.keyId);
      expect(read).toEqual(record);
      expect(read?.secretHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(read)).not.toContain(key);
      const listed = (await reader.list()).filter((r) => r.partnerId === partnerId);
      expect(listed.map((r) => r.keyId)).toEqual([record.keyId]);
    });

    it('a revocation is visible to every handle at once', async () => {
      const { writer, reader } = await open();
      const { record } = await createKey(writer, {
        partnerId: `partner-${randomUUID()}`,
        versions: ['v1', 'v2'],
        tier: 'free',
      });
      expect((await reader.get(record.keyId))?.revokedAt).toBeNull();
      await revokeKey(writer, record.keyId);
      expect((await reader.get(record.keyId))?.revokedAt).not.toBeNull();
    });

    it('an unknown key id reads as undefined', async () => {
      const { reader } = await open();
      expect(await reader.get(`missing-${randomUUID()}`)).toBeUndefined();
    });
  });
}
