/**
 * Our edge against the gateways users would otherwise pick, in one run on one machine: the same
 * three operations against the BFF called directly, our gateway (JWT/API-key auth and Redis rate
 * limits on), a bare @apollo/gateway, a bare Hive Gateway and a plain keep-alive proxy hop, all
 * fronting the same BFF processes. Each figure is the median of several rounds (targets
 * interleaved within a round so drift hits all alike); a second phase measures the latency the
 * edge adds at half of the direct call's maximum rate. Writes JSON and Markdown to bench/results/.
 *
 *   pnpm bench            (every bench script)
 *   ./node_modules/.bin/tsx bench/src/peers.ts [--rounds 3] [--duration 4] [--warmup 1]
 *     [--connections 32] [--half-load-duration 4] [--only web-orders,partner-v2-orders]
 *     [--build compiled]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ManagedProcess, StackBuild } from '@edge/stack';
import { type BenchStack, IDENTITY_HEADER, repoRoot, startBenchStack } from './lib/bench-stack';
import { runLoad } from './lib/load';
import { type BenchOperation, OPERATIONS, SMALL_ANSWER, sha256Hex } from './lib/operations';
import { type PeerName, peerUrl, startPeer } from './lib/peer-processes';
import { cpuMicros } from './lib/process-cpu';
import { samplePeakRss } from './lib/process-memory';
import { median, ratio } from './lib/stats';
import type { PeerRoute } from './peers/peer-config';

export interface PeersOptions {
  /** Measured rounds per target and operation; the median is reported. Default 3. */
  rounds: number;
  /** Seconds per measured run. Default 4. */
  durationS: number;
  /** Seconds of unmeasured load per target before its first round. Default 1. */
  warmupS: number;
  /** Concurrent keep-alive connections of the load generator. Default 32. */
  connections: number;
  /** Seconds per run of the half-load latency phase. Default 4. */
  halfLoadDurationS: number;
  /** Operations to run; default all four. */
  only: readonly string[] | undefined;
  /**
   * How the stack's processes run: `source` (through tsx, default) or `compiled` (the build's
   * dist/, as the images run; `npm run build` first). Memory differs by about 20 MB.
   */
  build: StackBuild;
}

export const DEFAULT_PEERS_OPTIONS: Readonly<PeersOptions> = Object.freeze({
  rounds: 3,
  durationS: 4,
  warmupS: 1,
  connections: 32,
  halfLoadDurationS: 4,
  only: undefined,
  build: 'source',
});

type TargetName = 'direct' | 'gateway' | PeerName;
const TARGETS: readonly TargetName[] = [
  'direct',
  'gateway',
  'apollo-gateway',
  'hive-gateway',
  'proxy',
];
/** Peer gateways in the sense of the goal (the proxy hop is the floor, not a gateway). */
const GATEWAY_PEERS: readonly TargetName[] = ['apollo-gateway', 'hive-gateway'];

interface Target {
  name: TargetName;
  url: string;
  headers: Record<string, string>;
  /** The process whose memory is reported: the hop itself (for direct, the BFF). */
  pid: number;
}

interface TargetFigures {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  peakRssMb: number;
  /** CPU time of the front process (for direct, the BFF) per answered request, microseconds. */
  cpuUsPerRequest: number;
  /** One-minute load average of the machine at the end of each round (other helpers' load). */
  load: number[];
  failures: number;
  ratio: { rps: number; p50: number; p90: number; p99: number; peakRss: number };
}

interface OperationFigures {
  operation: string;
  targets: Record<string, TargetFigures>;
  halfLoad: { rate: number; directP99: number; gatewayP99: number; addedP99Ms: number };
  goals: {
    vsBestPeer: number;
    vsDirect: number;
    vsDirectGoal: number;
    addedP99Ms: number;
    cpuVsProxy: number;
    peakRssMb: number;
    failures: number;
    met: boolean;
  };
}

function targetsFor(bench: BenchStack, op: BenchOperation, peers: Map<PeerName, ManagedProcess>) {
  const { stack, credentials } = bench;
  const pid = (proc: ManagedProcess | undefined) => proc?.child.pid ?? 0;
  const bffProcess = {
    bffWeb: 'bff-web',
    bffMobile: 'bff-mobile',
    bffPartner: 'bff-partner',
  } as const;
  const targets: Target[] = [
    {
      name: 'direct',
      url: `${stack.urls[op.bff]}${op.bffPath}`,
      headers: { [IDENTITY_HEADER]: op.identity(credentials) },
      pid: pid(stack.processes.get(bffProcess[op.bff])),
    },
    {
      name: 'gateway',
      url: `${stack.urls.gateway}${op.edgePath}`,
      headers: op.edgeHeaders(credentials),
      pid: pid(stack.processes.get('gateway')),
    },
  ];
  for (const [name, proc] of peers) {
    targets.push({ name, url: `${peerUrl(proc)}${op.edgePath}`, headers: {}, pid: pid(proc) });
  }
  return targets.sort((a, b) => TARGETS.indexOf(a.name) - TARGETS.indexOf(b.name));
}

/** Every target must answer the operation with data and no errors before it is measured. */
async function checkAnswers(targets: Target[], op: BenchOperation): Promise<void> {
  for (const target of targets) {
    const post = (body: string) =>
      fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
      });
    if (op.registerBody) await (await post(op.registerBody)).text();
    const res = await post(op.body);
    const text = await res.text();
    if (res.status !== 200 || text.includes('"errors"')) {
      throw new Error(`${target.name} ${op.name}: ${res.status} ${text.slice(0, 300)}`);
    }
  }
}

async function measure(target: Target, op: BenchOperation, options: PeersOptions, rate?: number) {
  const sampler = samplePeakRss([target.pid]);
  const cpuBefore = cpuMicros(target.pid);
  const result = await runLoad({
    url: target.url,
    headers: target.headers,
    body: op.body,
    connections: options.connections,
    durationS: rate === undefined ? options.durationS : options.halfLoadDurationS,
    ...(rate === undefined ? {} : { overallRate: rate }),
  });
  const cpuUs = cpuMicros(target.pid) - cpuBefore;
  return {
    result,
    peakRss: sampler.stop().get(target.pid) ?? 0,
    cpuUsPerRequest: result.requests > 0 ? cpuUs / result.requests : 0,
    load: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
}

type Run = Awaited<ReturnType<typeof measure>>;

async function benchOperation(
  targets: Target[],
  op: BenchOperation,
  options: PeersOptions,
): Promise<OperationFigures> {
  const log = (msg: string) => process.stderr.write(`[peers] ${op.name} ${msg}\n`);
  await checkAnswers(targets, op);
  for (const target of targets) {
    await runLoad({
      url: target.url,
      headers: target.headers,
      body: op.body,
      connections: options.connections,
      durationS: options.warmupS,
    });
  }
  const runs = new Map<TargetName, Run[]>();
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no target always runs right after the same neighbour.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const target of order) {
      if (!target) continue;
      const run = await measure(target, op, options);
      runs.set(target.name, [...(runs.get(target.name) ?? []), run]);
      log(
        `round ${round + 1} ${target.name}: ${Math.round(run.result.rps)} rps p99 ${run.result.p99} ms cpu ${Math.round(run.cpuUsPerRequest)} us/req load ${run.load}`,
      );
    }
  }
  const mid = (name: TargetName, pick: (r: Run) => number) =>
    median((runs.get(name) ?? []).map(pick));
  const figures: Record<string, TargetFigures> = {};
  const direct = {
    rps: mid('direct', (r) => r.result.rps),
    p50: mid('direct', (r) => r.result.p50),
    p90: mid('direct', (r) => r.result.p90),
    p99: mid('direct', (r) => r.result.p99),
    rss: mid('direct', (r) => r.peakRss),
  };
  for (const target of targets) {
    const rps = mid(target.name, (r) => r.result.rps);
    const p50 = mid(target.name, (r) => r.result.p50);
    const p90 = mid(target.name, (r) => r.result.p90);
    const p99 = mid(target.name, (r) => r.result.p99);
    const rss = mid(target.name, (r) => r.peakRss);
    figures[target.name] = {
      rps: Math.round(rps),
      p50,
      p90,
      p99,
      peakRssMb: Math.round(rss / 2 ** 20),
      cpuUsPerRequest: Math.round(mid(target.name, (r) => r.cpuUsPerRequest)),
      load: (runs.get(target.name) ?? []).map((r) => r.load),
      failures: (runs.get(target.name) ?? []).reduce((sum, r) => sum + r.result.failures, 0),
      ratio: {
        rps: ratio(rps, direct.rps),
        p50: ratio(p50, direct.p50),
        p90: ratio(p90, direct.p90),
        p99: ratio(p99, direct.p99),
        peakRss: ratio(rss, direct.rss),
      },
    };
  }
  // Half of the direct call's maximum: the load at which the added latency goal is defined.
  const rate = Math.max(1, Math.round(direct.rps / 2));
  const half = { direct: [] as number[], gateway: [] as number[] };
  for (let round = 0; round < options.rounds; round++) {
    for (const target of targets) {
      if (target.name !== 'direct' && target.name !== 'gateway') continue;
      const { result } = await measure(target, op, options, rate);
      half[target.name].push(result.p99);
    }
  }
  const halfLoad = {
    rate,
    directP99: median(half.direct),
    gatewayP99: median(half.gateway),
    addedP99Ms: median(half.gateway) - median(half.direct),
  };
  log(
    `half load ${rate} rps: p99 direct ${halfLoad.directP99} ms, gateway ${halfLoad.gatewayP99} ms`,
  );
  const gateway = figures['gateway']?.rps ?? 0;
  const bestPeer = Math.max(...GATEWAY_PEERS.map((p) => figures[p]?.rps ?? 0));
  const ours = figures['gateway'];
  const proxyCpu = figures['proxy']?.cpuUsPerRequest ?? 0;
  const goals = {
    vsBestPeer: ratio(gateway, bestPeer),
    vsDirect: ratio(gateway, direct.rps),
    // Issue 14: a large answer should cost the edge almost nothing, a small one at most 15%.
    vsDirectGoal: op === SMALL_ANSWER ? 0.85 : 0.95,
    addedP99Ms: halfLoad.addedP99Ms,
    cpuVsProxy: ratio(ours?.cpuUsPerRequest ?? 0, proxyCpu),
    peakRssMb: ours?.peakRssMb ?? 0,
    // A refused or failed request is cheap and fast: a run with any is no measure of the edge.
    failures: ours?.failures ?? 0,
    met: false,
  };
  goals.met =
    goals.failures === 0 &&
    goals.vsBestPeer >= 1.2 &&
    goals.vsDirect >= goals.vsDirectGoal &&
    goals.addedP99Ms < 2 &&
    goals.cpuVsProxy <= 2 &&
    goals.peakRssMb <= 150;
  return { operation: op.name, targets: figures, halfLoad, goals };
}

function markdown(results: OperationFigures[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `### ${r.operation}`,
      '',
      '| target | RPS | p50 / p90 / p99 ms | peak RSS MB | CPU us/request | RPS x direct | p50 / p90 / p99 x direct | RSS x direct | failures | load (per round) |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const [name, t] of Object.entries(r.targets)) {
      lines.push(
        `| ${name} | ${t.rps} | ${t.p50} / ${t.p90} / ${t.p99} | ${t.peakRssMb} | ${t.cpuUsPerRequest} | ${t.ratio.rps} | ${t.ratio.p50} / ${t.ratio.p90} / ${t.ratio.p99} | ${t.ratio.peakRss} | ${t.failures} | ${t.load.join(', ')} |`,
      );
    }
    const g = r.goals;
    lines.push(
      '',
      `Half load (${r.halfLoad.rate} rps): p99 direct ${r.halfLoad.directP99} ms, gateway ${r.halfLoad.gatewayP99} ms, added ${g.addedP99Ms} ms.`,
      `Goals: gateway/best peer ${g.vsBestPeer} (>= 1.2), gateway/direct ${g.vsDirect} (>= ${g.vsDirectGoal}), added p99 ${g.addedP99Ms} ms (< 2), CPU x proxy ${g.cpuVsProxy} (<= 2), peak RSS ${g.peakRssMb} MB (<= 150): ${g.met ? 'met' : 'NOT met'}.`,
      ...(g.failures > 0
        ? [
            `VOID: the gateway failed or refused ${g.failures} requests; its figures measure refusals.`,
          ]
        : []),
      '',
    );
  }
  return lines.join('\n');
}

export async function runPeers(options: PeersOptions): Promise<OperationFigures[]> {
  const operations = [...OPERATIONS, SMALL_ANSWER].filter(
    (op) => !options.only || options.only.includes(op.name),
  );
  const bench = await startBenchStack({ build: options.build });
  const peers = new Map<PeerName, ManagedProcess>();
  try {
    // One route per path: two operations of one surface share it (and its documents).
    const byPath = new Map<string, PeerRoute>();
    for (const op of operations) {
      const route = byPath.get(op.edgePath) ?? {
        path: op.edgePath,
        upstream: `${bench.stack.urls[op.bff]}${op.bffPath}`,
        identity: op.identity(bench.credentials),
        documents: {},
      };
      if (op.registerBody) route.documents[sha256Hex(op.query)] = op.query;
      byPath.set(op.edgePath, route);
    }
    const routes = [...byPath.values()];
    for (const name of ['apollo-gateway', 'hive-gateway', 'proxy'] as const) {
      peers.set(name, await startPeer(name, routes));
    }
    const results: OperationFigures[] = [];
    for (const op of operations) {
      results.push(await benchOperation(targetsFor(bench, op, peers), op, options));
    }
    return results;
  } finally {
    for (const proc of peers.values()) await proc.stop();
    await bench.stop();
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'half-load-duration': { type: 'string' },
      only: { type: 'string' },
      build: { type: 'string' },
    },
    strict: false,
  });
  const num = (value: unknown, fallback: number) =>
    typeof value === 'string' ? Number(value) : fallback;
  const d = DEFAULT_PEERS_OPTIONS;
  const options: PeersOptions = {
    rounds: num(values['rounds'], d.rounds),
    durationS: num(values['duration'], d.durationS),
    warmupS: num(values['warmup'], d.warmupS),
    connections: num(values['connections'], d.connections),
    halfLoadDurationS: num(values['half-load-duration'], d.halfLoadDurationS),
    only: typeof values['only'] === 'string' ? values['only'].split(',') : undefined,
    build: values['build'] === 'compiled' ? 'compiled' : d.build,
  };
  const started = new Date();
  const results = await runPeers(options);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 10) / 10),
  };
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const table = markdown(results);
  writeFileSync(
    join(dir, `peers-${stamp}.json`),
    JSON.stringify({ started: started.toISOString(), machine, options, results }, null, 2),
  );
  writeFileSync(join(dir, `peers-${stamp}.md`), `${table}\n`);
  process.stdout.write(`## peers (${JSON.stringify(machine)})\n\n${table}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
