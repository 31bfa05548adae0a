import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Orchestrator, spawnOrchestrator } from './saga-harness';

function embeddedEnv(dataDir: string): Record<string, string> {
  return {
    SAGA_PORT: '0',
    STORE_MODE: 'memory',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    // Nothing listens there: these processes only have to start, or refuse to.
    ORDER_SERVICE_URL: 'http://127.0.0.1:9',
    INVENTORY_SERVICE_URL: 'http://127.0.0.1:9',
    PAYMENT_SERVICE_URL: 'http://127.0.0.1:9',
    SHIPPING_SERVICE_URL: 'http://127.0.0.1:9',
  };
}

describe('embedded file store owns its data directory', () => {
  const started: Orchestrator[] = [];
  let dataDir = '';

  afterAll(async () => {
    for (const o of started) await o.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a second orchestrator on the same DATA_DIR refuses to start with DATA_DIR_LOCKED; after kill -9 of the first, a new one starts', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'saga-lock-'));
    const first = await spawnOrchestrator(embeddedEnv(dataDir));
    const refusal = await spawnOrchestrator(embeddedEnv(dataDir)).then(
      (o) => {
        started.push(o);
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(refusal).toContain('DATA_DIR_LOCKED');
    expect(refusal).toContain(join(dataDir, 'saga'));
    expect(refusal).not.toMatch(/\n\s+at /);

    await first.kill9();
    started.push(await spawnOrchestrator(embeddedEnv(dataDir)));
  });
});
