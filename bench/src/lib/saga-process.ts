import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService } from '@edge/stack';
import { repoRoot } from './bench-stack';

export interface SagaProcess {
  url: string;
  /** CPU time (user + system) the process has used so far, in microseconds. */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function cpuMicrosOf(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
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
    cpuMicros: () => cpuMicrosOf(pid),
    stop: () => proc.stop(),
  };
}
