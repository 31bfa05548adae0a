import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Workspace package names are `@edge/<dir>`; everything here speaks of `<dir>`. */
const SCOPE = '@edge/';
/** Static imports, re-exports, side-effect imports and dynamic `import()`. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

export type Edge = readonly [from: string, to: string];

export interface PackageFacts {
  name: string;
  /** `@edge/*` entries of `dependencies`, as directory names. */
  dependencies: string[];
  /** `@edge/*` entries of `devDependencies`. */
  devDependencies: string[];
  /** Every module specifier imported from `src/`, relative ones resolved to `test` if they leave src. */
  srcImports: Import[];
  /** Every module specifier imported from `test/`. */
  testImports: Import[];
}

export interface Import {
  file: string;
  specifier: string;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function importsOf(file: string): Import[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(IMPORT)].flatMap((m) => (m[1] ? [{ file, specifier: m[1] }] : []));
}

function workspaceNames(deps: Record<string, string> | undefined): string[] {
  return Object.keys(deps ?? {})
    .filter((d) => d.startsWith(SCOPE))
    .map((d) => d.slice(SCOPE.length))
    .sort();
}

/** Reads each `packages/<dir>`: its package.json and the imports of its src/ and test/. */
export function readPackages(root: string): PackageFacts[] {
  const packages = join(root, 'packages');
  return readdirSync(packages)
    .filter((dir) => existsSync(join(packages, dir, 'package.json')))
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(packages, dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      return {
        name: dir,
        dependencies: workspaceNames(manifest.dependencies),
        devDependencies: workspaceNames(manifest.devDependencies),
        srcImports: filesUnder(join(packages, dir, 'src')).flatMap(importsOf),
        testImports: filesUnder(join(packages, dir, 'test')).flatMap(importsOf),
      };
    });
}

/** The workspace package a specifier names, or undefined for a relative or outside module. */
export function workspacePackage(specifier: string): string | undefined {
  if (!specifier.startsWith(SCOPE)) return undefined;
  return specifier.slice(SCOPE.length).split('/')[0];
}

/** The production graph: an edge per `@edge/*` package a package's src/ imports. */
export function importedEdges(packages: readonly PackageFacts[]): Edge[] {
  const edges = new Set<string>();
  for (const pkg of packages) {
    for (const { specifier } of pkg.srcImports) {
      const to = workspacePackage(specifier);
      if (to && to !== pkg.name) edges.add(`${pkg.name} ${to}`);
    }
  }
  return [...edges].sort().map((e) => e.split(' ') as unknown as Edge);
}

/** Edges of a Mermaid `graph` block: `a[label] --> b`, ids mapped to their labels. */
export function mermaidEdges(markdown: string): Edge[] {
  const block = /```mermaid\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error('no ```mermaid block found');
  const labels = new Map<string, string>();
  for (const m of block.matchAll(/(\w+)\[([\w-]+)\]/g)) {
    if (m[1] && m[2]) labels.set(m[1], m[2]);
  }
  const name = (id: string) => labels.get(id) ?? id.replaceAll('_', '-');
  const edges: Edge[] = [];
  for (const m of block.matchAll(/(\w+)(?:\[[\w-]+\])?\s*-->\s*(\w+)/g)) {
    if (m[1] && m[2]) edges.push([name(m[1]), name(m[2])]);
  }
  // Same order as importedEdges (plain code-unit order of "from to"): localeCompare would put
  // `saga-client` before `saga`.
  return [...edges.map((e) => e.join(' '))].sort().map((e) => e.split(' ') as unknown as Edge);
}

/** The layer table: `| <n or beside> | a, b |` rows under a `| layer |` header. */
export function layerTable(markdown: string): Map<string, number> {
  const layers = new Map<string, number>();
  const table = /\| layer \|[^\n]*\n\|[-| ]+\|\n((?:\|[^\n]*\|\n)+)/.exec(markdown)?.[1];
  if (!table) throw new Error('no | layer | table found');
  for (const row of table.trim().split('\n')) {
    const [layer = '', names = ''] = row
      .split('|')
      .slice(1)
      .map((c) => c.trim());
    const rank = layer === 'beside' ? Number.POSITIVE_INFINITY : Number(layer);
    for (const name of names.split(',')) layers.set(name.trim(), rank);
  }
  return layers;
}

/** Each cycle once, as the path that closes it (`a -> b -> a`). */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const found = new Set<string>();
  const result: string[][] = [];
  const walk = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const loop = path.slice(at);
      const key = [...loop].sort().join(' ');
      if (!found.has(key)) {
        found.add(key);
        result.push([...loop, node]);
      }
      return;
    }
    for (const to of next.get(node) ?? []) walk(to, [...path, node]);
  };
  for (const node of next.keys()) walk(node, []);
  return result;
}

/** Arrows that do not point to a strictly lower layer; a `beside` package may point anywhere. */
export function upwardEdges(edges: readonly Edge[], layers: ReadonlyMap<string, number>): Edge[] {
  return edges.filter(([from, to]) => {
    const a = layers.get(from);
    const b = layers.get(to);
    if (a === undefined || b === undefined) return true;
    return a !== Number.POSITIVE_INFINITY && !(a > b);
  });
}

/**
 * Imports from production src/ that pull test code or another package's internals in. `entries`
 * are the subpaths packages declare in their `exports` (`@edge/saga/client`): public, not internals.
 */
export function testCodeInSrc(
  pkg: PackageFacts,
  entries: ReadonlySet<string> = new Set(),
): Import[] {
  return pkg.srcImports.filter(
    ({ specifier }) =>
      specifier === 'vitest' ||
      specifier.startsWith('vitest/') ||
      workspacePackage(specifier) === 'testkit' ||
      /(^|\/)test(\/|$)/.test(specifier) ||
      (specifier.startsWith(SCOPE) && specifier.split('/').length > 2 && !entries.has(specifier)),
  );
}

/** Every `@edge/<pkg>/<subpath>` the workspace's packages declare in their `exports`. */
export function exportedEntries(root: string): Set<string> {
  const entries = new Set<string>();
  const packages = join(root, 'packages');
  for (const dir of readdirSync(packages)) {
    const file = join(packages, dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
      name: string;
      exports?: Record<string, string>;
    };
    for (const key of Object.keys(manifest.exports ?? {})) {
      if (key !== '.') entries.add(`${manifest.name}${key.slice(1)}`);
    }
  }
  return entries;
}
