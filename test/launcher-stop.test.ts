import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@edge/stack';
import { waitUntil } from '@edge/testkit';
import { expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A keep-alive connection that has been answered once and then sits idle, as a client pool's. */
async function idleConnection(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n');
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
  });
  return socket;
}

// The launcher used to SIGKILL at 10 s, while a server's drain may take 10 s for in-flight
// answers, then 1 s for idle keep-alive connections, then its stores: a drain using its budget
// was killed (exit by signal, and any request arriving on an idle connection meanwhile reset).
it("the launcher's stop waits out a server's whole drain: in-flight answers, then idle connections", async () => {
  const proc = await spawnService({
    name: 'slow-drain',
    entry: join(ROOT, 'test/fixtures/slow-drain-server.ts'),
    cwd: ROOT,
    env: {},
  });
  const port = Number(proc.ready['port']);
  const idle = await idleConnection(port);
  const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()));
  const answer = fetch(`http://127.0.0.1:${port}/slow`).then(
    async (res) => `${res.status} ${await res.text()}`,
    (err: Error) => `failed: ${String(err.cause ?? err)}`,
  );
  await waitUntil('the request held', () => proc.logs().some((l) => l.includes('"held"')), 30_000);
  expect(await proc.stop()).toBe('exited');
  expect(proc.child.exitCode).toBe(0);
  expect(await answer).toBe('200 done');
  await idleClosed;
});
