import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnService } from '@edge/stack';
import { waitUntil } from '@edge/testkit';
import { expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// The launcher used to SIGKILL at 10 s, while a server's drain may take 10 s for in-flight
// answers plus 1 s for idle connections: a rolling restart under load reset a request that the
// drain was about to answer.
it("the launcher's stop waits out a server's whole drain: a request answered just inside it is not reset", async () => {
  const proc = await spawnService({
    name: 'slow-drain',
    entry: join(ROOT, 'test/fixtures/slow-drain-server.ts'),
    cwd: ROOT,
    env: {},
  });
  const url = String(proc.ready['url']);
  const answer = fetch(`${url}/slow`).then(
    async (res) => `${res.status} ${await res.text()}`,
    (err: Error) => `failed: ${String(err.cause ?? err)}`,
  );
  await waitUntil('the request held', () => proc.logs().some((l) => l.includes('"held"')), 30_000);
  expect(await proc.stop()).toBe('exited');
  expect(proc.child.exitCode).toBe(0);
  expect(await answer).toBe('200 done');
});
