/**
 * Soak: the three bench operations at half of the gateway's measured maximum for N minutes,
 * sampling every process's RSS and heap (its /metrics), its open sockets and its Redis
 * connections (/proc), and reporting errors and growth after warm-up. Not part of `pnpm bench`
 * (it runs for minutes); run it on its own:
 *
 *   ./node_modules/.bin/tsx bench/src/soak.ts [--minutes 10] [--sample 10] [--warmup-fraction 0.25]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from '@edge/common';
import type { ProcessName } from '@edge/stack';
import { type BenchStack, redisUrl, repoRoot, startBenchStack } from './lib/bench-stack';
import { type LoadResult, runLoad } from './lib/load';
import { type BenchOperation, OPERATIONS } from './lib/operations';
import { socketCounts } from './lib/process-sockets';
import { scrape } from './lib/prometheus-sample';

export interface SoakOptions {
  /** Minutes of load at half of the maximum. Default 10. */
  minutes: number;
  /** Seconds between samples. Default 10. */
  sampleS: number;
  /** Share of the run treated as warm-up (JIT, caches, pools filling). Default 0.25. */
  warmupFraction: number;
  /** Seconds of the probe that finds the maximum. Default 5. */
  probeS: number;
  /** Connections per operation. Default 16. */
  connections: number;
}

export const DEFAULT_SOAK_OPTIONS: Readonly<SoakOptions> = Object.freeze({
  minutes: 10,
  sampleS: 10,
  warmupFraction: 0.25,
  probeS: 5,
  connections: 16,
});

const WATCHED: readonly ProcessName[] = ['gateway', 'bff-web', 'bff-mobile', 'bff-partner'];
const METRICS = ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes'] as const;

interface Sample {
  atS: number;
  redisClientsTotal: number;
  processes: Record<string, { rssMb: number; heapMb: number; sockets: number; redis: number }>;
}

const mb = (bytes: number | undefined) => Math.round(((bytes ?? 0) / 2 ** 20) * 10) / 10;

async function sample(bench: BenchStack, redis: Redis, startedAt: number): Promise<Sample> {
  const redisPort = Number(new URL(redisUrl).port || 6379);
  const processes: Sample['processes'] = {};
  for (const name of WATCHED) {
    const proc = bench.stack.processes.get(name);
    const pid = proc?.child.pid;
    if (!proc || pid === undefined) continue;
    const values = await scrape(`http://127.0.0.1:${String(proc.ready['port'])}`, METRICS);
    const sockets = socketCounts(pid, redisPort);
    processes[name] = {
      rssMb: mb(values['process_resident_memory_bytes']),
      heapMb: mb(values['nodejs_heap_size_used_bytes']),
      sockets: sockets.sockets,
      redis: sockets.toPort,
    };
  }
  const list = String(await redis.call('CLIENT', 'LIST'));
  return {
    atS: Math.round((performance.now() - startedAt) / 1000),
    // Every client of this Redis, other work on the machine included: context, not a verdict.
    redisClientsTotal: list.split('\n').filter((l) => l.trim()).length,
    processes,
  };
}

function target(bench: BenchStack, op: BenchOperation) {
  return {
    url: `${bench.stack.urls.gateway}${op.edgePath}`,
    headers: op.edgeHeaders(bench.credentials),
    body: op.body,
  };
}

/** Least-squares slope of y over x, per minute when x is in seconds. */
function slopePerMinute(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : Math.round((num / den) * 60 * 100) / 100;
}

export async function runSoak(options: SoakOptions) {
  const bench = await startBenchStack();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    for (const op of OPERATIONS) {
      if (!op.registerBody) continue;
      const t = target(bench, op);
      await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...t.headers },
        body: op.registerBody,
      });
    }
    // The maximum: all three operations at once, as fast as the gateway answers.
    const probe = await Promise.all(
      OPERATIONS.map((op) =>
        runLoad({
          ...target(bench, op),
          connections: options.connections,
          durationS: options.probeS,
        }),
      ),
    );
    const rates = probe.map((r) => Math.max(1, Math.round(r.rps / 2)));
    const startedAt = performance.now();
    const samples: Sample[] = [await sample(bench, redis, startedAt)];
    const timer = setInterval(() => {
      void sample(bench, redis, startedAt).then((s) => samples.push(s));
    }, options.sampleS * 1000);
    let results: LoadResult[];
    try {
      results = await Promise.all(
        OPERATIONS.map((op, i) =>
          runLoad({
            ...target(bench, op),
            connections: options.connections,
            durationS: Math.round(options.minutes * 60),
            overallRate: rates[i] ?? 1,
          }),
        ),
      );
    } finally {
      clearInterval(timer);
    }
    samples.push(await sample(bench, redis, startedAt));
    const warmupS = options.minutes * 60 * options.warmupFraction;
    const steady = samples.filter((s) => s.atS >= warmupS);
    const growth: Record<string, Record<string, number>> = {};
    for (const name of WATCHED) {
      const series = (pick: (p: Sample['processes'][string]) => number) =>
        steady.flatMap((s) => {
          const p = s.processes[name];
          return p ? [{ x: s.atS, y: pick(p) }] : [];
        });
      const delta = (pick: (p: Sample['processes'][string]) => number) => {
        const points = series(pick);
        const first = points[0]?.y ?? 0;
        return Math.round(((points[points.length - 1]?.y ?? 0) - first) * 10) / 10;
      };
      growth[name] = {
        rssMbAfterWarmup: delta((p) => p.rssMb),
        rssMbPerMinute: slopePerMinute(series((p) => p.rssMb)),
        heapMbAfterWarmup: delta((p) => p.heapMb),
        heapMbPerMinute: slopePerMinute(series((p) => p.heapMb)),
        socketsAfterWarmup: delta((p) => p.sockets),
        socketsMax: Math.max(...series((p) => p.sockets).map((p) => p.y)),
        redisAfterWarmup: delta((p) => p.redis),
        redisMax: Math.max(...series((p) => p.redis).map((p) => p.y)),
      };
    }
    return {
      options,
      maxRps: probe.map((r, i) => ({ operation: OPERATIONS[i]?.name, rps: Math.round(r.rps) })),
      rates: OPERATIONS.map((op, i) => ({ operation: op.name, rps: rates[i] })),
      load: results.map((r, i) => ({
        operation: OPERATIONS[i]?.name,
        requests: r.requests,
        errors: r.failures,
        p50: r.p50,
        p99: r.p99,
      })),
      warmupS,
      growth,
      samples,
    };
  } finally {
    redis.disconnect();
    await bench.stop();
  }
}

function markdown(report: Awaited<ReturnType<typeof runSoak>>): string {
  const lines = [
    `Load: ${report.rates.map((r) => `${r.operation} ${r.rps} rps`).join(', ')} (half of the probed maximum ${report.maxRps.map((r) => `${r.operation} ${r.rps}`).join(', ')}).`,
    '',
    '| operation | requests | errors | p50 ms | p99 ms |',
    '|---|---|---|---|---|',
    ...report.load.map(
      (l) => `| ${l.operation} | ${l.requests} | ${l.errors} | ${l.p50} | ${l.p99} |`,
    ),
    '',
    `After warm-up (${report.warmupS} s):`,
    '',
    '| process | RSS MB (delta, per min) | heap MB (delta, per min) | open sockets (delta, max) | Redis connections (delta, max) |',
    '|---|---|---|---|---|',
    ...Object.entries(report.growth).map(
      ([name, g]) =>
        `| ${name} | ${g['rssMbAfterWarmup']}, ${g['rssMbPerMinute']}/min | ${g['heapMbAfterWarmup']}, ${g['heapMbPerMinute']}/min | ${g['socketsAfterWarmup']}, ${g['socketsMax']} | ${g['redisAfterWarmup']}, ${g['redisMax']} |`,
    ),
  ];
  return lines.join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' },
      sample: { type: 'string' },
      'warmup-fraction': { type: 'string' },
    },
    strict: false,
  });
  const num = (value: unknown, fallback: number) =>
    typeof value === 'string' ? Number(value) : fallback;
  const d = DEFAULT_SOAK_OPTIONS;
  const report = await runSoak({
    ...d,
    minutes: num(values['minutes'], d.minutes),
    sampleS: num(values['sample'], d.sampleS),
    warmupFraction: num(values['warmup-fraction'], d.warmupFraction),
  });
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `soak-${stamp}.json`), JSON.stringify(report, null, 2));
  const table = markdown(report);
  writeFileSync(join(dir, `soak-${stamp}.md`), `${table}\n`);
  process.stdout.write(`## soak (${report.options.minutes} min)\n\n${table}\n`);
  if (report.load.some((l) => l.errors > 0)) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
