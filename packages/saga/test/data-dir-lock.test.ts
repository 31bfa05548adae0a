import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSagaStore } from '../src/file-saga-store';

describe('file store data directory lock', () => {
  it('a second store in the same process is refused; closing the first lets the next open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saga-lock-'));
    const store = await FileSagaStore.open({ dir });
    await expect(FileSagaStore.open({ dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    await store.close();
    const again = await FileSagaStore.open({ dir });
    await again.close();
    await rm(dir, { recursive: true, force: true });
  });
});
