import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('../src/logger.ts', import.meta.url));

/** A node process running `body` with `createLogger` in scope, its stdout collected. */
function run(body: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { createLogger } from ${JSON.stringify(LOGGER)};\n${body}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.splice(0)) w();
  });
  const lines = () => out.split('\n').filter((l) => l !== '');
  return {
    child,
    lines,
    /** Resolves once some output matches (however long the box takes), or the child exits. */
    until: (test: (lines: string[]) => boolean) =>
      new Promise<string[]>((resolve) => {
        const check = () => {
          if (test(lines()) || child.exitCode !== null) resolve(lines());
          else waiters.push(check);
        };
        child.once('exit', () => resolve(lines()));
        check();
      }),
    exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
  };
}

describe('batched logger (the gateway)', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) child.kill('SIGKILL');
  });

  it('a single line is written while the process goes on, without waiting for more', async () => {
    const proc = run(
      `const log = createLogger({ service: 't', batched: true });
       log.info({ n: 1 }, 'one');
       setInterval(() => {}, 1000);`,
    );
    started.push(proc.child);
    const lines = await proc.until((ls) => ls.length > 0);
    expect(proc.child.exitCode).toBeNull();
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', service: 't', n: 1 });
  });

  it('every line is written, those still batched when the process exits included', async () => {
    const proc = run(
      `const log = createLogger({ service: 't', batched: true });
       for (let i = 0; i < 1000; i++) log.info({ i }, 'line');
       process.exit(0);`,
    );
    started.push(proc.child);
    expect(await proc.exited).toBe(0);
    const lines = proc.lines().map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual([...Array(1000).keys()]);
  });
});
