import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every `ErrorCode.X` a package's `src/` names, plus the codes answered on its behalf (`extra`),
 * sorted: what its docs' error table must list (each package's errors-documented test).
 */
export function errorCodesUsedIn(srcDir: string, extra: readonly string[] = []): string[] {
  const used = new Set<string>(extra);
  for (const file of readdirSync(srcDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const source = readFileSync(join(srcDir, file), 'utf8');
    for (const m of source.matchAll(/ErrorCode\.([A-Z_]+)/g)) if (m[1]) used.add(m[1]);
  }
  return [...used].sort();
}
