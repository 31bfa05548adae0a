import { join } from 'node:path';
import { spawnService } from '@edge/stack';
import { repoRoot } from './bench-stack';
import { cpuMicros } from './process-cpu';

export interface SagaProcess {
  url: string;
  /** CPU time (user + system) the process has used so far, in microseconds. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/** The orchestrator (API, worker, store) as its own process, configured by `env`. */
export async function startSagaProcess(env: Record<string, string>): Promise<SagaProcess> {
  const proc = await spawnService({
    name: 'saga',
    entry: join(repoRoot, 'bench/src/lib/quiet-saga-main.ts'),
    cwd: repoRoot,
    env,
    readyMessage: 'saga ready',
  });
  const pid = proc.child.pid ?? 0;
  return {
    url: String(proc.ready['url']),
    cpuMicros: () => cpuMicros(pid),
    stop: async () => {
      await proc.stop();
    },
  };
}
