import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@edge/testkit';
import { expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// A zombie counts as gone: the orphan's new parent may be slow to reap it (or never does, in a
// container whose init is not a reaper), yet it holds no port and runs no code.
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

// A launcher that dies without stopping its processes (kill -9, or a test worker torn down after
// a hook timed out) used to leave them running, holding ports and Redis keys until someone
// killed them by hand.
it('a process started by the launcher stops when the launcher is killed -9', async () => {
  const launcher = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/launcher.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: launcher.stdout });
  const childPid = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('{"childPid"'))
        resolve((JSON.parse(line) as { childPid: number }).childPid);
    });
    launcher.once('exit', (code) => reject(new Error(`launcher exited with ${code}`)));
  });
  expect(alive(childPid)).toBe(true);
  launcher.kill('SIGKILL');
  await waitUntil('the orphaned services-mock to stop', () => !alive(childPid), 60_000);
});
