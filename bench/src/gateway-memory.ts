/**
 * An idle gateway's memory: fresh gateway processes (all four surfaces' schemas loaded, no
 * traffic), each measured after a full collection (SIGUSR2 to a preload that calls gc()):
 * RSS, V8 heap used and total, external memory, median over the instances, per build: from
 * source through tsx (as the stack and the benches run it) and compiled (`npm run build`
 * first; as the images run it). Standalone:
 *
 *   ./node_modules/.bin/tsx bench/src/gateway-memory.ts [--instances 3] [--settle-ms 2000]
 *     [--builds source,compiled]
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GATEWAY_NODE_OPTIONS, processEntry, type StackBuild, spawnService } from '@edge/stack';
import { processUrl, repoRoot, startBenchStack, waitServing } from './lib/bench-stack';
import { environOf } from './lib/process-environ';
import { scrape } from './lib/prometheus-sample';
import { median } from './lib/stats';

const GC_PRELOAD = fileURLToPath(new URL('./lib/gc-on-signal.mjs', import.meta.url));
const SERIES = [
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'nodejs_external_memory_bytes',
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      instances: { type: 'string' },
      'settle-ms': { type: 'string' },
      builds: { type: 'string' },
    },
    strict: false,
  });
  const instances = Number(values['instances'] ?? 3);
  const settleMs = Number(values['settle-ms'] ?? 2000);
  const builds = (typeof values['builds'] === 'string' ? values['builds'] : 'source').split(
    ',',
  ) as StackBuild[];
  const bench = await startBenchStack();
  const samples = new Map<StackBuild, Record<string, number>[]>(builds.map((b) => [b, []]));
  try {
    const env = environOf(bench.stack.processes.get('gateway')?.child.pid ?? 0);
    for (let i = 0; i < instances; i++) {
      for (const build of builds) {
        const gateway = await spawnService({
          name: `gateway-${build}`,
          ...processEntry(repoRoot, 'packages/gateway/src/main.ts', build),
          cwd: repoRoot,
          env: {
            ...env,
            PORT: '0',
            NODE_OPTIONS: `${GATEWAY_NODE_OPTIONS} --expose-gc --import ${GC_PRELOAD}`,
          },
        });
        await waitServing(gateway);
        await sleep(settleMs);
        gateway.child.kill('SIGUSR2');
        await sleep(500);
        samples.get(build)?.push(await scrape(processUrl(gateway), SERIES));
        await gateway.stop();
      }
    }
  } finally {
    await bench.stop();
  }
  const mb = (v: number) => (v / 2 ** 20).toFixed(1);
  for (const [build, rows] of samples) {
    process.stdout.write(
      [
        `idle gateway (${build}) after a full GC, median of ${instances} fresh processes (MB):`,
        ...SERIES.map(
          (s) =>
            `  ${s}: ${mb(median(rows.map((x) => x[s] ?? 0)))} (${rows.map((x) => mb(x[s] ?? 0)).join(', ')})`,
        ),
        '',
      ].join('\n'),
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
