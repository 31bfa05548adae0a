/**
 * `pnpm bench`: runs every benchmark script in this folder, one after another (they share the
 * machine, so running them together would measure each other). Each runs as its own process,
 * exactly as when started by hand, so a script needs no particular export; arguments after
 * `pnpm bench` are passed to each. Exits non-zero if any script failed.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * Scripts started on their own, never by `pnpm bench`: the soak runs for minutes by design, the
 * profile is a diagnosis (it runs the gateway under --cpu-prof), not a figure.
 */
const STANDALONE = new Set(['soak.ts', 'edge-profile.ts']);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.endsWith('.d.ts') && !STANDALONE.has(f))
  .sort();

let failed = 0;
for (const file of scripts) {
  process.stderr.write(`[bench] ${file}\n`);
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(here, file), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) {
    failed++;
    process.stderr.write(`[bench] ${file} failed (${run.status ?? run.signal})\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
