/**
 * The production build (docs/operations.md, "Images") without Docker: `scripts/build.mjs`
 * compiles every package with `tsc -b`; the whole stack then runs from the compiled dist/ under
 * plain node, and `pnpm deploy --prod` cuts what an image copies for one process (the Dockerfile's
 * `deploy` stage), which holds no TypeScript, no sources and no dev dependencies, and starts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateSigningKey } from '@edge/common';
import { COMPILED_CONDITION, spawnService } from '@edge/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, startTestStack } from './harness';

const run = promisify(execFile);
const PNPM: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const scratch = mkdtempSync(join(tmpdir(), 'edge-compiled-'));

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

beforeAll(async () => {
  await run(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root });
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('compiled build', () => {
  it('every process starts from its dist/ under plain node and answers a query end to end', async () => {
    await using stack = await startTestStack({ build: 'compiled' });
    expect(stack.processes.size).toBe(8);
    for (const proc of stack.processes.values()) {
      const args = proc.child.spawnargs.slice(1);
      expect(args, proc.name).toEqual([
        `--conditions=${COMPILED_CONDITION}`,
        join(root, 'packages', proc.name, 'dist', 'main.js'),
      ]);
    }
    const { urls } = stack;
    for (const url of [
      urls.gateway,
      urls.bffWeb,
      urls.bffMobile,
      urls.bffPartner,
      urls.saga,
      urls.consumers,
      urls.projection,
      urls.mock.order,
    ]) {
      expect((await fetch(`${url}/healthz`)).status, url).toBe(200);
    }
    // Through the gateway to the web BFF (its schema files copied next to the compiled code) and
    // on to the services.
    const token = await stack.token('web', 'u-1');
    const query = '{ me { id orders(first: 1) { edges { node { id } } } } }';
    const res = await stack.gql('/web/graphql', query, { token });
    expect(res.status).toBe(200);
    expect(res.body.data.me.id).toBe('u-1');
    expect(res.body.data.me.orders.edges).toHaveLength(1);
  });

  // bff-web: its schema files and those of bff-runtime, a workspace dependency, travel as assets.
  it('bff-web: pnpm deploy --prod holds compiled JavaScript and production dependencies only, and starts', async () => {
    const name = 'bff-web';
    const dir = join(scratch, name);
    await run(
      'npx',
      ['--yes', PNPM, 'deploy', '--prod', '--prefer-offline', '--filter', `@edge/${name}`, dir],
      { cwd: root },
    );
    const own = filesUnder(dir).filter((f) => !f.startsWith('node_modules/'));
    expect(own).toEqual(expect.arrayContaining(['dist/main.js', 'dist/schema.graphql']));
    expect(own.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(own.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    // Workspace packages come as their compiled dist/ alone.
    const common = filesUnder(join(dir, 'node_modules', '@edge', 'common')).filter(
      (f) => !f.startsWith('node_modules/'),
    );
    expect(common).toContain('dist/index.js');
    expect(common.filter((f) => !f.startsWith('dist/') && f !== 'package.json')).toEqual([]);
    // No dev dependency of the package or of the workspace, and nothing that runs TypeScript.
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    // Entries are named <name>@<version>[_<peers>], a scope's slash spelled '+'.
    const installed = readdirSync(join(dir, 'node_modules', '.pnpm')).map((e) =>
      e.slice(0, e.indexOf('@', 1)).replace('+', '/'),
    );
    for (const dev of [
      ...Object.keys(manifest.devDependencies ?? {}),
      'tsx',
      'typescript',
      'vitest',
    ]) {
      expect(installed, dev).not.toContain(dev);
    }

    const dataDir = join(scratch, `${name}-data`);
    await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
    const proc = await spawnService({
      name,
      entry: join(dir, 'dist', 'main.js'),
      nodeArgs: [`--conditions=${COMPILED_CONDITION}`],
      cwd: dir,
      env: { PORT: '0', STORE_MODE: 'memory', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${String(proc.ready['port'])}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await proc.stop();
    }
  });
});
