import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@edge/common';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConsumersConfig } from '../src/config';
import { startConsumersService } from '../src/consumers-service';

const logger = createLogger({ service: 'consumers-test', level: 'silent' });
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('embedded consumers (no Redis)', () => {
  it('a second process on the same state files refuses to start with DATA_DIR_LOCKED, and starts once the first is gone', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'consumers-lock-'));
    dirs.push(dataDir);
    // The shipped settings but the stores: files under a private data dir, any free port.
    const config = loadConsumersConfig({
      STORE_MODE: 'memory',
      DATA_DIR: dataDir,
      CONSUMERS_PORT: '0',
    });
    const first = await startConsumersService(config, logger);
    await expect(startConsumersService(config, logger)).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining("lose each other's dead letters"),
    });
    await first.close();
    const next = await startConsumersService(config, logger);
    await next.close();
  });
});
