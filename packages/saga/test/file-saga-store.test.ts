import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSagaStore } from '../src/file-saga-store';
import { describeSagaStoreContract } from './saga-store-contract';

describeSagaStoreContract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'saga-store-'));
  const store = await FileSagaStore.open({ dir });
  return { store, dispose: () => rm(dir, { recursive: true, force: true }) };
});
