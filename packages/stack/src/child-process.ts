import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DEFAULT_DRAIN, STOP_WITH_PARENT_ENV } from '@edge/common';

export interface SpawnOptions {
  /** Name used in errors and as the `proc` field of forwarded log lines. */
  name: string;
  /** Entry file, run by `node` itself so the pid is the service itself. */
  entry: string;
  /** Node options before the entry; default `['--import', 'tsx']` (a TypeScript entry). */
  nodeArgs?: string[];
  env: Record<string, string>;
  cwd: string;
  /** Log line message that means the process is up; default `listening`. */
  readyMessage?: string;
  /** Give up waiting for the ready line after this long; default DEFAULT_START_TIMEOUT_MS. */
  startTimeoutMs?: number;
  /** Where the child's log lines go; default nowhere (they are kept for `logs()`). */
  onLine?: (line: string) => void;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** The parsed ready line, e.g. `{ port }` or services-mock's `{ ports }`. */
  ready: Record<string, unknown>;
  /** The last lines the process printed, for failure reports. */
  logs(): string[];
  /**
   * SIGTERM, then SIGKILL if it has not exited within `graceMs` (default STOP_GRACE_MS); says
   * which of the two ended it.
   */
  stop(graceMs?: number): Promise<'exited' | 'killed'>;
  /** kill -9: the crash tests' way to lose a process mid-flight. */
  kill(): Promise<void>;
}

const KEPT_LINES = 200;

/**
 * Longer than a server's whole drain plus its closing of stores: a SIGKILL before that ends a
 * drain within its budget by signal, resetting whatever arrives on a connection still open.
 */
export const STOP_GRACE_MS = DEFAULT_DRAIN.drainTimeoutMs + DEFAULT_DRAIN.idleGraceMs + 4_000;

/**
 * How long a process may take to say it is ready. Generous: a loaded 2-core box transpiling a
 * BFF's graph through tsx is slow, not broken; the timeout only turns a hang into a message.
 */
export const DEFAULT_START_TIMEOUT_MS = 90_000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Start a service and resolve once it logs its ready line (with its real port). */
export function spawnService(options: SpawnOptions): Promise<ManagedProcess> {
  const readyMessage = options.readyMessage ?? 'listening';
  const nodeArgs = options.nodeArgs ?? ['--import', 'tsx'];
  const child = spawn(process.execPath, [...nodeArgs, options.entry], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, [STOP_WITH_PARENT_ENV]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    options.onLine?.(line);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start:\n${lines.join('\n')}`));
    }, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(
        new Error(`${options.name} exited with ${code} before it was ready:\n${lines.join('\n')}`),
      );
    };
    child.once('exit', onExit);
    createInterface({ input: child.stderr }).on('line', keep);
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (parsed['msg'] !== readyMessage) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({
        name: options.name,
        child,
        ready: parsed,
        logs: () => [...lines],
        stop: async (graceMs = STOP_GRACE_MS) => {
          if (child.exitCode !== null || child.signalCode !== null) return 'exited';
          child.kill('SIGTERM');
          let killed = false;
          const force = setTimeout(() => {
            killed = true;
            child.kill('SIGKILL');
          }, graceMs);
          await exited(child);
          clearTimeout(force);
          return killed ? 'killed' : 'exited';
        },
        kill: async () => {
          child.kill('SIGKILL');
          await exited(child);
        },
      });
    });
  });
}
