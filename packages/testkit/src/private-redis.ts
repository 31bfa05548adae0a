import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeRedis } from '@edge/common';

export interface PrivateRedis {
  url: string;
  port: number;
  /** kill -9: the outage the limiter must survive. */
  kill(): Promise<void>;
  /** Start again on the same port (empty: persistence is off). */
  start(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing is answered, as from a hung host. */
  pause(): void;
  /** SIGCONT: answer again, including what was sent while paused. */
  resume(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/**
 * A redis-server of the test's own, so stopping it cannot disturb any other test. `args` are
 * extra server options, e.g. `['--replicaof', '127.0.0.1', String(primary.port)]`.
 */
export async function startPrivateRedis(args: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  // A primary writes its snapshot for a replica's first sync into `dir`: never the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'private-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no', ...args],
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await probeRedis(url, 200)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${port} did not answer`);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  const signal = (name: NodeJS.Signals) => () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
  };
  await start();
  return { url, port, kill, start, pause: signal('SIGSTOP'), resume: signal('SIGCONT') };
}
