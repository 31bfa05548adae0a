/**
 * `@edge/saga/client` is what BFFs and the CLI load: it must bring no engine, store, worker or
 * Redis code with it. Walks the runtime imports (type-only imports are erased) from its entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

function runtimeImports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)';/gms)];
  return specs.map((m) => m[1] ?? '');
}

it('the client entry reaches only the client, the API schemas and the saga types', () => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('./')) visit(`${spec.slice(2)}.ts`);
      else packages.add(spec);
    }
  };
  visit('client.ts');
  expect([...seen].sort()).toEqual([
    'client.ts',
    'saga-api-schemas.ts',
    'saga-client.ts',
    'saga.ts',
  ]);
  expect([...packages].sort()).toEqual(['@edge/upstream', 'zod']);
});
