import { join } from 'node:path';
import { spawnService } from '@edge/stack';
import type { MockServiceName } from '../../../packages/services-mock/src/index';
import { repoRoot } from './bench-stack';
import { cpuMicros } from './process-cpu';

export interface MockProcess {
  urls: Readonly<Record<MockServiceName, string>>;
  /** CPU time (user + system) the process has used so far, in microseconds. */
  cpuMicros(): number;
  close(): Promise<void>;
}

/**
 * services-mock as its own process (quiet-mock-main.ts), so its CPU is not the measured
 * process's and both sides of a comparison call the same one.
 */
export async function startMockProcess(): Promise<MockProcess> {
  const proc = await spawnService({
    name: 'services-mock',
    entry: join(repoRoot, 'bench/src/lib/quiet-mock-main.ts'),
    cwd: repoRoot,
    env: {},
    readyMessage: 'services-mock ready',
  });
  const urls = proc.ready['urls'] as Record<MockServiceName, string>;
  const pid = proc.child.pid ?? 0;
  return {
    urls,
    cpuMicros: () => cpuMicros(pid),
    close: async () => {
      await proc.stop();
    },
  };
}
