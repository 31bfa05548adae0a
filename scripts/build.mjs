#!/usr/bin/env node
// The production build (docs/operations.md, "Images"): `tsc -b` over the per-package projects
// compiles each package's src/ to dist/, then every file of a src/ that is not TypeScript (the
// BFFs' GraphQL schemas, read through `new URL(..., import.meta.url)`) is copied next to the
// compiled JavaScript, where that URL points at run time. Arguments: package directories to
// build with what they reference (default: tsconfig.build.json, every package).
// Development and tests never need it: they run src/ through tsx and vitest.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const projects = process.argv.slice(2);
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');

const status = spawnSync(
  process.execPath,
  [tsc, '-b', ...(projects.length > 0 ? projects : ['tsconfig.build.json'])],
  { cwd: root, stdio: 'inherit' },
).status;
if (status !== 0) process.exit(status ?? 1);

const packages = join(root, 'packages');
for (const name of readdirSync(packages)) {
  const dist = join(packages, name, 'dist');
  // Only compiled packages: the CLI's dist holds its esbuild bundle, not a tsc output.
  if (!existsSync(join(dist, 'tsconfig.tsbuildinfo'))) continue;
  cpSync(join(packages, name, 'src'), dist, {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
}
