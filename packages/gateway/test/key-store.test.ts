import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileKeyStore } from '../src/key-store';
import { testRedisUrl } from './gateway-fixture';
import { describeKeyStoreContract, redisKeyStores } from './key-store-contract';

describeKeyStoreContract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-keys-'));
  const file = join(dir, 'partner-keys.json');
  return {
    writer: createFileKeyStore(file),
    reader: createFileKeyStore(file),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeKeyStoreContract('redis', redisKeyStores(testRedisUrl));
