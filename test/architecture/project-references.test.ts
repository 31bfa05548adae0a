/**
 * The per-package TypeScript projects behind the production build (`tsc -b`, scripts/build.mjs):
 * each package's tsconfig references exactly the workspace packages it depends on, every package
 * the processes load compiles to dist/ and names it in its `exports` under the compiled
 * condition, and the strict checks live in the one base every project extends.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPILED_CONDITION } from '@edge/stack';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const readJson = (...path: string[]) => JSON.parse(readFileSync(join(ROOT, ...path), 'utf8'));
const packages = readdirSync(join(ROOT, 'packages')).filter((d) =>
  existsSync(join(ROOT, 'packages', d, 'package.json')),
);
/** Packages run by tsx or bundled only: the launcher, the test kit and the CLI (esbuild). */
const NOT_COMPILED = ['cli', 'stack', 'testkit'];

interface TsConfig {
  extends?: string;
  compilerOptions?: Record<string, unknown>;
  include?: string[];
  references?: { path: string }[];
}

describe('TypeScript project references', () => {
  it.each(packages)('%s: its tsconfig references exactly its workspace dependencies', (pkg) => {
    const tsconfig: TsConfig = readJson('packages', pkg, 'tsconfig.json');
    const manifest = readJson('packages', pkg, 'package.json');
    const deps = Object.keys(manifest.dependencies ?? {})
      .filter((d) => d.startsWith('@edge/'))
      .map((d) => `../${d.slice('@edge/'.length)}`)
      .sort();
    expect(tsconfig.extends).toBe('../../tsconfig.base.json');
    expect(tsconfig.include).toEqual(['src']);
    expect((tsconfig.references ?? []).map((r) => r.path).sort()).toEqual(deps);
  });

  it.each(packages.filter((p) => !NOT_COMPILED.includes(p)))(
    '%s: compiles src/ to dist/ and exports it under the compiled condition',
    (pkg) => {
      const tsconfig: TsConfig = readJson('packages', pkg, 'tsconfig.json');
      expect(tsconfig.compilerOptions).toMatchObject({
        composite: true,
        rootDir: 'src',
        outDir: 'dist',
      });
      const manifest = readJson('packages', pkg, 'package.json');
      expect(manifest.exports).toEqual({
        '.': { [COMPILED_CONDITION]: './dist/index.js', default: './src/index.ts' },
      });
      // What `pnpm deploy` copies: the compiled code and the assets build.mjs puts beside it.
      const assets = readdirSync(join(ROOT, 'packages', pkg, 'src'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.graphql'));
      expect(manifest.files).toEqual(
        assets.length > 0 ? ['dist/**/*.js', 'dist/**/*.graphql'] : ['dist/**/*.js'],
      );
    },
  );

  it.each(NOT_COMPILED)('%s: type-checked only (no package depends on it at run time)', (pkg) => {
    expect(readJson('packages', pkg, 'tsconfig.json').compilerOptions).toEqual({ noEmit: true });
    for (const other of packages) {
      const refs: TsConfig['references'] = readJson('packages', other, 'tsconfig.json').references;
      expect(
        (refs ?? []).map((r) => r.path),
        other,
      ).not.toContain(`../${pkg}`);
    }
  });

  it('the build covers every package; the strict checks are in the base every config extends', () => {
    const build: TsConfig = readJson('tsconfig.build.json');
    expect((build.references ?? []).map((r) => r.path).sort()).toEqual(
      packages.map((p) => `packages/${p}`).sort(),
    );
    expect(readJson('tsconfig.json').extends).toBe('./tsconfig.base.json');
    expect(readJson('tsconfig.base.json').compilerOptions).toMatchObject({
      strict: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
    });
  });
});
