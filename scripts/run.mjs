#!/usr/bin/env node
// Entry point behind `npm start|test|build|bench|cli` and the same `pnpm` scripts. It exists so
// that a machine with only an older Node and npm can run the project: it bootstraps a pinned pnpm
// through npx (corepack fails pnpm's signature check here), installs when the lockfile changed,
// re-runs itself on the pinned Node release installed from the npm registry, and for tests makes
// sure a Redis answers, starting a local redis-server when none does.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@9.15.9';
const stamp = join(root, 'node_modules', '.install-stamp');
const [command = 'start', ...rest] = process.argv.slice(2);

const say = (msg) => process.stderr.write(`[run] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function ensureInstalled() {
  const lock = join(root, 'pnpm-lock.yaml');
  const lockTime = statSync(lock).mtimeMs;
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === String(lockTime);
  if (fresh) return;
  say(`installing dependencies with ${PNPM}`);
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  const status = run('npx', ['--yes', PNPM, 'install', '--reporter=default', ...frozen], {
    stdio: ['ignore', 2, 2],
  });
  if (status !== 0) process.exit(status);
  writeFileSync(stamp, String(lockTime));
}

function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function ensureRedis() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return;
  const { port } = new URL(url);
  say(`no Redis answers on ${url}; starting redis-server on port ${port || 6379}`);
  const status = run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    String(port || 6379),
    '--save',
    '',
    '--appendonly',
    'no',
    '--logfile',
    join(root, '.data', 'redis.log'),
  ]);
  if (status !== 0) {
    say('could not start redis-server: install it (apt-get install redis-server) or set REDIS_URL');
    process.exit(1);
  }
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  say('redis-server did not answer after 5 s');
  process.exit(1);
}

/**
 * The remediation page is tested in a real headless Chromium (Debian's package: browser
 * downloads are blocked here). Install it when missing and we are allowed to.
 */
function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  const root = process.getuid?.() === 0;
  say('headless Chromium missing; installing Debian package chromium');
  const sudo = root ? [] : ['sudo', '-n'];
  const apt = (args) =>
    run(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(root ? [] : ['apt-get']), ...args], {
      stdio: ['ignore', 2, 2],
    });
  if (apt(['update', '-qq']) !== 0 || apt(['install', '-y', '-qq', 'chromium']) !== 0) {
    say('could not install chromium: install it (apt-get install chromium) and run again');
    process.exit(1);
  }
}

const CLI_BUNDLE = join(root, 'packages', 'cli', 'dist', 'edge.mjs');

/** Newest modification time of the files under `dir` (source trees are a few hundred files). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The CLI runs as one bundled JavaScript file (packages/cli/dist/edge.mjs, also its `edge` bin):
 * compiling TypeScript on every call cost about a second. Rebuilt when any package changed.
 */
async function ensureCliBuilt() {
  const built = existsSync(CLI_BUNDLE) ? statSync(CLI_BUNDLE).mtimeMs : 0;
  if (built > newestMtime(join(root, 'packages'))) return;
  const { build } = await import('esbuild');
  const { outputFiles } = await build({
    write: false,
    entryPoints: [join(root, 'packages', 'cli', 'src', 'main.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as edgeCreateRequire } from 'node:module';\nconst require = edgeCreateRequire(import.meta.url);",
    },
  });
  // Written aside and renamed: a CLI started meanwhile by another process reads a whole file.
  const tmp = `${CLI_BUNDLE}.${process.pid}.tmp`;
  mkdirSync(dirname(CLI_BUNDLE), { recursive: true });
  writeFileSync(tmp, outputFiles[0].contents, { mode: 0o755 });
  renameSync(tmp, CLI_BUNDLE);
}

function execNode(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function exec(bin, args) {
  const child = spawn(join(root, 'node_modules', '.bin', bin), args, {
    cwd: root,
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * A TypeScript entry run by the pinned Node itself with tsx as a loader. Not through
 * `node_modules/.bin/tsx`: pnpm's shims are shell scripts that do not exec, so a SIGTERM sent to
 * this process would stop at the shim and orphan the stack.
 */
const execTypeScript = (entry, args) => execNode(['--import', 'tsx', entry, ...args]);

/**
 * The project runs on the Node release pinned in package.json (devDependency `node`, the npm
 * registry's build of Node), whatever Node started this script: machines here ship an older one.
 * Re-run this script on the pinned binary, with node_modules/.bin first on PATH so that every
 * `#!/usr/bin/env node` tool and every child that spawns `node` gets the same runtime.
 */
function ensurePinnedRuntime() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const pinned = pkg.devDependencies?.node;
  if (!pinned || process.versions.node === pinned) return false;
  const binary = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(binary)) {
    say(`pinned Node ${pinned} is missing from node_modules; run npm install again`);
    process.exit(1);
  }
  const bin = join(root, 'node_modules', '.bin');
  const child = spawn(binary, [fileURLToPath(import.meta.url), command, ...rest], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

async function runCommand() {
  switch (command) {
    case 'start':
      execTypeScript('packages/stack/src/main.ts', rest);
      break;
    case 'cli':
      await ensureCliBuilt();
      execNode([CLI_BUNDLE, ...rest]);
      break;
    case 'build':
      execNode(['scripts/build.mjs', ...rest]);
      break;
    case 'bench':
      execTypeScript('bench/src/main.ts', rest);
      break;
    case 'outage': {
      // `outage consumers ...` for the order-event consumers; `outage [refunds] ...` for the saga.
      await ensureRedis();
      const [target, ...args] = rest;
      if (target === 'consumers') execTypeScript('test/consumers/consumer-outage-main.ts', args);
      else if (target === 'refunds') execTypeScript('test/saga/refund-outage-main.ts', args);
      else execTypeScript('test/saga/refund-outage-main.ts', rest);
      break;
    }
    case 'test': {
      mkdirSync(join(root, '.data'), { recursive: true });
      await ensureRedis();
      ensureChromium();
      for (const [bin, args] of [
        ['tsc', ['-p', 'tsconfig.json']],
        ['biome', ['check', '.']],
      ]) {
        say(`${bin} ${args.join(' ')}`);
        const status = run(join(root, 'node_modules', '.bin', bin), args);
        if (status !== 0) process.exit(status);
      }
      exec('vitest', ['run', ...rest]);
      break;
    }
    default:
      say(`unknown command ${command}; expected start, test, build, bench, outage or cli`);
      process.exit(2);
  }
}

ensureInstalled();
// On the wrong runtime this process only relays signals and the exit code of the pinned one.
if (!ensurePinnedRuntime()) await runCommand();
