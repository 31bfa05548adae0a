/**
 * Hostile input against every public endpoint of the gateway and the BFFs: seeded, generated
 * malformed HTTP, headers, JSON and GraphQL, sent as raw bytes. Passes when nothing answers 5xx,
 * nothing hangs, every answer carries a documented code and every process is healthy after.
 * Writes the report to bench/results/ and exits non-zero on any failure.
 *
 *   pnpm bench            (every bench script)
 *   ./node_modules/.bin/tsx bench/src/fuzz.ts [--cases 10000] [--seed 7] [--concurrency 16]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot, startBenchStack } from './lib/bench-stack';
import { DEFAULT_FUZZ_OPTIONS, FUZZ_STACK_ENV, type FuzzReport, runFuzz } from './lib/fuzz-run';

function summary(report: FuzzReport, seconds: number): string {
  const top = (table: Record<string, number>) =>
    Object.entries(table)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `cases ${report.cases} (seed ${report.seed}) in ${seconds.toFixed(1)} s`,
    `statuses: ${top(report.statuses)}`,
    `codes: ${top(report.codes)}`,
    `failures: ${report.failures.length}; unhealthy after: ${report.unhealthy.join(', ') || 'none'}`,
    ...report.failures
      .slice(0, 20)
      .map(
        (f) =>
          `  #${f.index} ${f.kind} -> ${f.target}: ${f.reason}\n    ${JSON.stringify(f.request.slice(0, 160))}`,
      ),
  ].join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cases: { type: 'string' },
      seed: { type: 'string' },
      concurrency: { type: 'string' },
    },
    strict: false,
  });
  const num = (value: unknown, fallback: number) =>
    typeof value === 'string' ? Number(value) : fallback;
  const options = {
    ...DEFAULT_FUZZ_OPTIONS,
    cases: num(values['cases'], DEFAULT_FUZZ_OPTIONS.cases),
    seed: num(values['seed'], DEFAULT_FUZZ_OPTIONS.seed),
    concurrency: num(values['concurrency'], DEFAULT_FUZZ_OPTIONS.concurrency),
  };
  const bench = await startBenchStack({ env: { ...FUZZ_STACK_ENV } });
  const started = performance.now();
  let report: FuzzReport;
  try {
    report = await runFuzz(bench, options);
  } finally {
    await bench.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `fuzz-seed${report.seed}-${report.cases}.json`),
    JSON.stringify(report, null, 2),
  );
  process.stdout.write(`## fuzz\n\n${summary(report, seconds)}\n`);
  if (report.failures.length > 0 || report.unhealthy.length > 0) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
