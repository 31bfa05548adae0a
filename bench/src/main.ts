/**
 * `pnpm bench`: runs every benchmark script in this folder, one after another (they share the
 * machine, so running them together would measure each other). A script is a file here that
 * exports `main(argv)`; arguments after `pnpm bench` are passed to each.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'main.ts' && !f.endsWith('.d.ts'))
  .sort();

for (const file of scripts) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as {
    main?: (argv: string[]) => Promise<void>;
  };
  if (typeof mod.main !== 'function') continue;
  process.stderr.write(`[bench] ${file}\n`);
  await mod.main(process.argv.slice(2));
}
