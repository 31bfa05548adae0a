import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cycles,
  exportedEntries,
  importedEdges,
  layerTable,
  mermaidEdges,
  readPackages,
  testCodeInSrc,
  upwardEdges,
  workspacePackage,
} from './package-graph';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
const packages = readPackages(ROOT);
const real = importedEdges(packages);
const show = (edges: readonly (readonly string[])[]) => edges.map((e) => e.join(' -> '));

interface BiomeConfig {
  overrides?: {
    includes: string[];
    linter?: {
      rules?: {
        style?: { noRestrictedImports?: { options?: { patterns?: { group: string[] }[] } } };
      };
    };
  }[];
}

/** The only packages whose src/ may import the simulator. */
const MAY_IMPORT_SERVICES_MOCK = new Set(['services-mock', 'stack', 'testkit']);

describe('floor plan (docs/architecture.md) against the real imports', () => {
  it('the Mermaid diagram draws exactly the arrows src/ imports', () => {
    expect(show(mermaidEdges(doc))).toEqual(show(real));
  });

  it('every package sits in a layer and every arrow points to a lower one', () => {
    const layers = layerTable(doc);
    expect(packages.map((p) => p.name).filter((n) => !layers.has(n))).toEqual([]);
    expect(show(upwardEdges(real, layers))).toEqual([]);
  });

  it('the package graph has no cycle', () => {
    expect(cycles(real).map((c) => c.join(' -> '))).toEqual([]);
  });

  it("package.json dependencies are exactly what src/ imports: the manifest is the graph's record", () => {
    const mismatches = packages.flatMap((pkg) => {
      const imported = real.filter(([from]) => from === pkg.name).map(([, to]) => to);
      return imported.join() === pkg.dependencies.join()
        ? []
        : [`${pkg.name}: imports [${imported}] declares [${pkg.dependencies}]`];
    });
    expect(mismatches).toEqual([]);
  });

  it('production src/ imports no test code and no other package internals', () => {
    const offending = packages.flatMap((pkg) =>
      testCodeInSrc(pkg, exportedEntries(ROOT)).map(
        (i) => `${i.file.slice(ROOT.length + 1)}: ${i.specifier}`,
      ),
    );
    expect(offending).toEqual([]);
  });

  it('only stack and testkit import services-mock', () => {
    const importers = real
      .filter(([from, to]) => to === 'services-mock' && !MAY_IMPORT_SERVICES_MOCK.has(from))
      .map(([from]) => from);
    expect(importers).toEqual([]);
  });

  it("a package's tests import the package, its dependencies and testkit; its only workspace devDependency is testkit", () => {
    const offending = packages.flatMap((pkg) => {
      const allowed = new Set([pkg.name, ...pkg.dependencies, 'testkit']);
      const tests = pkg.testImports
        .filter(({ specifier }) => {
          const to = workspacePackage(specifier);
          return to !== undefined && !allowed.has(to);
        })
        .map((i) => `${i.file.slice(ROOT.length + 1)}: ${i.specifier}`);
      const dev = pkg.devDependencies
        .filter((d) => d !== 'testkit')
        .map((d) => `${pkg.name}: devDependency @edge/${d}`);
      return [...tests, ...dev];
    });
    expect(offending).toEqual([]);
  });

  it("biome.json's noRestrictedImports lets each package's src/ import exactly the lower layers", () => {
    const layers = layerTable(doc);
    const biome = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as BiomeConfig;
    const allowedByLint = new Map(
      (biome.overrides ?? [])
        .filter((o) => o.linter?.rules?.style?.noRestrictedImports)
        .map((o) => {
          const pkg = /^packages\/([\w-]+)\/src\/\*\*$/.exec(o.includes[0] ?? '')?.[1] ?? '';
          const group = o.linter?.rules?.style?.noRestrictedImports?.options?.patterns?.[0]?.group;
          return [pkg, (group ?? []).filter((g) => g.startsWith('!@edge/')).map((g) => g.slice(7))];
        }),
    );
    const expected = new Map(
      packages.map(({ name }) => {
        const rank = layers.get(name) ?? 0;
        const lower = [...layers]
          .filter(([other, r]) => other !== name && (rank === Number.POSITIVE_INFINITY || r < rank))
          .map(([other]) => other)
          .filter(
            (o) => o !== 'testkit' && (o !== 'services-mock' || MAY_IMPORT_SERVICES_MOCK.has(name)),
          )
          .sort();
        return [name, lower];
      }),
    );
    expect(Object.fromEntries(allowedByLint)).toEqual(Object.fromEntries(expected));
  });

  it('no test file sits in production src/', () => {
    const inSrc = packages.flatMap((pkg) => {
      const src = join(ROOT, 'packages', pkg.name, 'src');
      if (!existsSync(src)) return [];
      return readdirSync(src, { recursive: true })
        .map(String)
        .filter((f) => /\.test\.ts$|(^|\/)testing(\/|\.ts$)/.test(f))
        .map((f) => `${pkg.name}/src/${f}`);
    });
    expect(inSrc).toEqual([]);
  });
});
