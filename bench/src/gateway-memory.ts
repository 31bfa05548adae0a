/**
 * A gateway's memory: fresh gateway processes (all four surfaces' schemas loaded), each measured
 * idle after a full collection (SIGUSR2 to a preload that calls gc()), then at its peak RSS under
 * `--load-s` seconds of one operation's load (20 connections; /metrics read every 250 ms), then
 * after that load and a full collection: RSS, V8 heap used and total, old space used, external
 * memory, median over the instances, per build: from source through tsx (as the stack and the
 * benches run it) and compiled (`npm run build` first; as the images run it). `--node-options`
 * replaces the gateway's GATEWAY_NODE_OPTIONS, to compare heap settings. Standalone:
 *
 *   ./node_modules/.bin/tsx bench/src/gateway-memory.ts [--instances 3] [--settle-ms 2000]
 *     [--builds source,compiled] [--load-s 15] [--only web-me] [--node-options "..."]
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GATEWAY_NODE_OPTIONS, processEntry, type StackBuild, spawnService } from '@edge/stack';
import { processUrl, repoRoot, startBenchStack, waitServing } from './lib/bench-stack';
import { runLoad } from './lib/load';
import { OPERATIONS, SMALL_ANSWER } from './lib/operations';
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
const PHASES = ['idle', 'peak under load', 'after load and a full GC'] as const;
type Phase = (typeof PHASES)[number];
type Sample = Record<string, number>;

/** Reads /metrics until stopped and keeps the sample of the highest RSS. */
function samplePeak(base: string) {
  let peak: Sample = {};
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const sample = await scrape(base, SERIES);
      const rss = sample['process_resident_memory_bytes'] ?? 0;
      if (rss > (peak['process_resident_memory_bytes'] ?? 0)) peak = sample;
      await sleep(250);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return peak;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      instances: { type: 'string' },
      'settle-ms': { type: 'string' },
      builds: { type: 'string' },
      'load-s': { type: 'string' },
      only: { type: 'string' },
      'node-options': { type: 'string' },
    },
    strict: false,
  });
  const instances = Number(values['instances'] ?? 3);
  const settleMs = Number(values['settle-ms'] ?? 2000);
  const builds = (typeof values['builds'] === 'string' ? values['builds'] : 'source').split(
    ',',
  ) as StackBuild[];
  const loadS = Number(values['load-s'] ?? 15);
  const opName = typeof values['only'] === 'string' ? values['only'] : 'web-me';
  const op = [...OPERATIONS, SMALL_ANSWER].find((o) => o.name === opName);
  if (!op) throw new Error(`unknown operation ${opName}`);
  const nodeOptions =
    typeof values['node-options'] === 'string' ? values['node-options'] : GATEWAY_NODE_OPTIONS;
  const bench = await startBenchStack();
  const samples = new Map<string, Sample[]>();
  const keep = (build: StackBuild, phase: Phase, sample: Sample) => {
    const key = `${build}\t${phase}`;
    samples.set(key, [...(samples.get(key) ?? []), sample]);
  };
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
            NODE_OPTIONS: `${nodeOptions} --expose-gc --import ${GC_PRELOAD}`,
          },
        });
        await waitServing(gateway);
        await sleep(settleMs);
        const base = processUrl(gateway);
        gateway.child.kill('SIGUSR2');
        await sleep(500);
        keep(build, 'idle', await scrape(base, SERIES));
        if (loadS > 0) {
          const stopSampling = samplePeak(base);
          await runLoad({
            url: `${base}${op.edgePath}`,
            headers: op.edgeHeaders(bench.credentials),
            body: op.body,
            connections: 20,
            durationS: loadS,
          });
          keep(build, 'peak under load', await stopSampling());
          gateway.child.kill('SIGUSR2');
          await sleep(1000);
          keep(build, 'after load and a full GC', await scrape(base, SERIES));
        }
        await gateway.stop();
      }
    }
  } finally {
    await bench.stop();
  }
  const mb = (v: number) => (v / 2 ** 20).toFixed(1);
  process.stdout.write(
    `NODE_OPTIONS ${nodeOptions}; load: ${op.name}, ${loadS} s, 20 connections\n`,
  );
  for (const [key, rows] of samples) {
    const [build, phase] = key.split('\t');
    process.stdout.write(
      [
        `gateway (${build}), ${phase}, median of ${instances} fresh processes (MB):`,
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
