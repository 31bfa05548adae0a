/**
 * Where the gateway's time and memory go, per answer size: for each operation a fresh gateway
 * process runs under `node --cpu-prof` while autocannon drives it, then stops (writing its
 * profile). Prints self time by component (gateway, common, each library, Node internals, GC,
 * idle) and the top functions, plus the process's heap spaces and RSS at the end of the load.
 * Standalone (not part of `pnpm bench`):
 *
 *   ./node_modules/.bin/tsx bench/src/edge-profile.ts [--duration 8] [--connections 20]
 *     [--only web-orders,web-me] [--out /tmp/edge-profile] [--node-options "--max-semi-space-size=8"]
 *
 * `--node-options` replaces the gateway's own (GATEWAY_NODE_OPTIONS) for the profiled process.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GATEWAY_NODE_OPTIONS } from '@edge/stack';
import { processUrl, startBenchStack, waitServing } from './lib/bench-stack';
import { runLoad } from './lib/load';
import { OPERATIONS, SMALL_ANSWER } from './lib/operations';
import { cpuMicros } from './lib/process-cpu';
import { samplePeakRss } from './lib/process-memory';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of the profile, in milliseconds before the profile's end (the process's exit). */
interface Window {
  fromMsBeforeEnd: number;
  toMsBeforeEnd: number;
}

/** Which part of the process a frame belongs to, by its script URL. */
function componentOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /packages\/([^/]+)\/src\//.exec(url);
  if (own?.[1]) return `@edge/${own[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

/** Self time (ms) by component and by function, from the profile's samples in `window`. */
function selfTimes(profile: CpuProfile, window: Window) {
  const from = profile.endTime - window.fromMsBeforeEnd * 1000;
  const to = profile.endTime - window.toMsBeforeEnd * 1000;
  let at = profile.startTime;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    at += profile.timeDeltas[i] ?? 0;
    if (!node || at < from || at > to) return;
    total += ms;
    const component = componentOf(node);
    byComponent.set(component, (byComponent.get(component) ?? 0) + ms);
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `| ${name} | ${((ms / total) * 100).toFixed(1)}% |`);
  return { total, components: top(byComponent, 15), functions: top(byFunction, 25) };
}

/** Heap spaces, external memory and RSS as the gateway's own /metrics report them. */
async function memory(base: string): Promise<string[]> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const mb = (v: string) => `${(Number(v) / 2 ** 20).toFixed(1)} MB`;
  return text
    .split('\n')
    .filter((l) =>
      /^(nodejs_heap_space_size_used_bytes|nodejs_external_memory_bytes|nodejs_heap_size_(used|total)_bytes|process_resident_memory_bytes)/.test(
        l,
      ),
    )
    .map((l) => {
      const [series, value] = [l.slice(0, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)];
      return `| ${series.replace(/,?service="gateway"/, '').replace('{}', '')} | ${mb(value)} |`;
    });
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      'node-options': { type: 'string' },
    },
    strict: false,
  });
  const durationS = Number(values['duration'] ?? 8);
  const connections = Number(values['connections'] ?? 20);
  const only = typeof values['only'] === 'string' ? values['only'].split(',') : undefined;
  const out = typeof values['out'] === 'string' ? values['out'] : '/tmp/edge-profile';
  // Extra Node flags for the profiled gateway, to measure runtime settings (heap sizing).
  const nodeOptions =
    typeof values['node-options'] === 'string' ? values['node-options'] : GATEWAY_NODE_OPTIONS;
  const operations = [...OPERATIONS, SMALL_ANSWER].filter((o) => !only || only.includes(o.name));
  const bench = await startBenchStack();
  try {
    for (const op of operations) {
      const dir = join(out, op.name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const gateway = await bench.stack.addInstance('gateway', {
        NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} ${nodeOptions}`.trim(),
      });
      const base = processUrl(gateway);
      await waitServing(gateway);
      const target = {
        url: `${base}${op.edgePath}`,
        headers: op.edgeHeaders(bench.credentials),
        body: op.body,
        connections,
      };
      if (op.registerBody)
        await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: op.registerBody,
        });
      await runLoad({ ...target, durationS: 1 });
      const pid = gateway.child.pid ?? 0;
      const sampler = samplePeakRss([pid]);
      const loadStart = Date.now();
      const cpuBefore = cpuMicros(pid);
      const load = await runLoad({ ...target, durationS });
      const cpuPerRequest = (cpuMicros(pid) - cpuBefore) / Math.max(1, load.requests);
      const loadEnd = Date.now();
      const peak = sampler.stop().get(pid) ?? 0;
      const mem = await memory(base);
      await gateway.stop();
      const exited = Date.now();
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile in ${dir}`);
      // Only the measured load: start-up, warm-up and shutdown stay out of the figures.
      const times = selfTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, {
        fromMsBeforeEnd: exited - loadStart,
        toMsBeforeEnd: exited - loadEnd,
      });
      process.stdout.write(
        [
          `## ${op.name}: ${Math.round(load.rps)} rps, p99 ${load.p99} ms, CPU ${Math.round(cpuPerRequest)} us/request (profiler on), peak RSS ${(peak / 2 ** 20).toFixed(0)} MB, failures ${load.failures}`,
          `profile: ${join(dir, file)} (${(times.total / 1000).toFixed(1)} s of the load sampled)`,
          '',
          '| component | self time |',
          '|---|---|',
          ...times.components,
          '',
          '| function | self time |',
          '|---|---|',
          ...times.functions,
          '',
          '| memory at the end of the load | |',
          '|---|---|',
          ...mem,
          '',
        ].join('\n'),
      );
    }
  } finally {
    await bench.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
