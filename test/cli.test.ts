import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrivateRedis } from '@edge/testkit';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const version = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version;

const env = { ...process.env, STORE_MODE: 'memory', DATA_DIR: join(root, '.data', 'cli-test') };

/** `npm run -s cli -- <args>` without npm: the same script, the same bundled CLI. */
function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(extraEnv: Record<string, string>, ...args: string[]) {
  const res = spawnSync(process.execPath, ['scripts/run.mjs', 'cli', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe('edge CLI conventions', () => {
  it('--help, -h and help print the commands and exit codes on stdout and exit 0', () => {
    for (const flag of ['--help', '-h', 'help']) {
      const res = cli(flag);
      expect(res.code, flag).toBe(0);
      expect(res.out).toMatch(/^Usage: edge /);
      expect(res.out).toMatch(/Exit codes:/);
      expect(res.out).toMatch(/sagas/);
    }
  });

  it('each command has --help on stdout, exit 0', () => {
    for (const command of [
      'token',
      'keys',
      'sagas',
      'events',
      'reconcile',
      'documents',
      'schema',
      'usage',
    ]) {
      const res = cli(command, '--help');
      expect(res.code, command).toBe(0);
      expect(res.out, command).toMatch(new RegExp(`^usage: edge ${command} `));
    }
  });

  it('--version prints the version', () => {
    expect(cli('--version')).toMatchObject({ code: 0, out: `${version}\n` });
  });

  it('an unknown command, option or action is misuse: exit 2 with the error on stderr, nothing on stdout', () => {
    for (const args of [['nope'], ['--bogus'], ['token', '--bogus'], ['keys', 'lst'], []]) {
      const res = cli(...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.out, args.join(' ')).toBe('');
      expect(res.err.length, args.join(' ')).toBeGreaterThan(0);
    }
  });

  it('a value for scripts is the only output: no log lines unless --verbose', () => {
    const quiet = cli('token', '--surface', 'web', '--user', 'u-1');
    expect(quiet.code).toBe(0);
    expect(quiet.out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(quiet.err).toBe('');
  });

  it('a reader that closed the pipe (| head -1) ends the CLI quietly: exit 0, no stack trace', async () => {
    const child = spawn(
      process.execPath,
      ['scripts/run.mjs', 'cli', 'token', '--surface', 'web', '--user', 'u-1'],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Closed before the CLI writes (it starts in a quarter of a second): its write meets EPIPE.
    child.stdout.destroy();
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const [code] = await once(child, 'close');
    expect({ code, err }).toEqual({ code: 0, err: '' });
  });

  it('keys create names the Redis it wrote to on stderr; stdout holds only the key', async () => {
    // The incident: the stack ran embedded, the operator's shell found a Redis (STORE_MODE=auto).
    const redis = await startPrivateRedis();
    try {
      const res = cliWith(
        { STORE_MODE: 'auto', REDIS_URL: redis.url },
        ...['keys', 'create', '--partner', 'acme'],
      );
      expect(res.code, res.err).toBe(0);
      expect(res.out).toMatch(/^edgepk_\S+\n$/);
      expect(res.err).toBe(`partner keys: stored in Redis at ${redis.url} (STORE_MODE=auto)\n`);
    } finally {
      await redis.kill();
    }
  });
});
