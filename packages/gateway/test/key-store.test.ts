import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFailFastRedis } from '@edge/common';
import { createFileKeyStore, createRedisKeyStore } from '../src/key-store';
import { testRedisUrl } from './gateway-fixture';
import { describeKeyStoreContract } from './key-store-contract';

describeKeyStoreContract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-keys-'));
  const file = join(dir, 'partner-keys.json');
  return {
    writer: createFileKeyStore(file),
    reader: createFileKeyStore(file),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeKeyStoreContract('redis', async () => {
  const writer = createRedisKeyStore(
    createFailFastRedis(testRedisUrl, { enableOfflineQueue: true }),
  );
  const reader = createRedisKeyStore(
    createFailFastRedis(testRedisUrl, { enableOfflineQueue: true }),
  );
  return {
    writer,
    reader,
    dispose: async () => {
      await writer.close();
      await reader.close();
    },
  };
});
