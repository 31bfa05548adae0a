/**
 * Two builds of the gateway side by side on one stack, rounds alternating between them, so a
 * change is compared with its baseline under the same outside load: this checkout's gateway
 * (A) and the one in another checkout of the repository (B, e.g. a worktree of main). Both get
 * the stack's gateway environment. Reports per build the median CPU per request, RPS, p99 and
 * peak RSS. Standalone (not part of `pnpm bench`):
 *
 *   ./node_modules/.bin/tsx bench/src/edge-ab.ts --other ../main [--only web-me] [--rounds 4]
 *     [--duration 5] [--connections 20] [--env-a NAME=VALUE ...]
 *
 * `--env-a` adds environment to A only: with `--other .` it compares a setting, not a build.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { processUrl, repoRoot, startBenchStack, waitServing } from './lib/bench-stack';
import { runLoad } from './lib/load';
import { OPERATIONS, SMALL_ANSWER } from './lib/operations';
import { cpuMicros } from './lib/process-cpu';
import { environOf } from './lib/process-environ';
import { samplePeakRss } from './lib/process-memory';
import { median } from './lib/stats';

interface Round {
  cpuUs: number;
  rps: number;
  p99: number;
  rssMb: number;
  load1: number;
}

const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      other: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'env-a': { type: 'string', multiple: true },
    },
    strict: false,
  });
  if (typeof values['other'] !== 'string') throw new Error('--other <checkout> is required');
  const builds = { A: repoRoot, B: resolve(values['other']) };
  const rounds = Number(values['rounds'] ?? 4);
  const durationS = Number(values['duration'] ?? 5);
  const connections = Number(values['connections'] ?? 20);
  const only = typeof values['only'] === 'string' ? values['only'].split(',') : ['web-me'];
  const envA = Object.fromEntries(
    ((values['env-a'] ?? []) as string[]).map((kv) => [
      kv.slice(0, kv.indexOf('=')),
      kv.slice(kv.indexOf('=') + 1),
    ]),
  );
  const operations = [...OPERATIONS, SMALL_ANSWER].filter((o) => only.includes(o.name));
  const bench = await startBenchStack();
  const gateways: ManagedProcess[] = [];
  try {
    const env = environOf(bench.stack.processes.get('gateway')?.child.pid ?? 0);
    for (const [name, root] of Object.entries(builds)) {
      const gateway = await spawnService({
        name: `gateway-${name}`,
        entry: join(root, 'packages/gateway/src/main.ts'),
        cwd: root,
        env: { ...env, PORT: '0', ...(name === 'A' ? envA : {}) },
      });
      await waitServing(gateway);
      gateways.push(gateway);
    }
    for (const op of operations) {
      const results: Record<string, Round[]> = { A: [], B: [] };
      const targetOf = (gateway: ManagedProcess) => ({
        url: `${processUrl(gateway)}${op.edgePath}`,
        headers: op.edgeHeaders(bench.credentials),
        body: op.body,
        connections,
      });
      for (const gateway of gateways) await runLoad({ ...targetOf(gateway), durationS: 1 });
      for (let r = 0; r < rounds; r++) {
        // ABBA order: neither build always runs first after the other's load.
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const gateway = gateways[i] as ManagedProcess;
          const pid = gateway.child.pid ?? 0;
          const sampler = samplePeakRss([pid]);
          const before = cpuMicros(pid);
          const load = await runLoad({ ...targetOf(gateway), durationS });
          const cpuUs = (cpuMicros(pid) - before) / Math.max(1, load.requests);
          const rssMb = (sampler.stop().get(pid) ?? 0) / 2 ** 20;
          results[i === 0 ? 'A' : 'B']?.push({
            cpuUs,
            rps: load.rps,
            p99: load.p99,
            rssMb,
            load1: load1(),
          });
        }
      }
      const line = (name: string, rs: Round[]) =>
        `| ${op.name} | ${name} | ${median(rs.map((x) => x.cpuUs)).toFixed(0)} | ${median(rs.map((x) => x.rps)).toFixed(0)} | ${median(rs.map((x) => x.p99))} | ${Math.max(...rs.map((x) => x.rssMb)).toFixed(0)} | ${rs.map((x) => x.cpuUs.toFixed(0)).join(' ')} | ${rs.map((x) => x.load1.toFixed(1)).join(' ')} |`;
      process.stdout.write(
        [
          `A = ${builds.A}, B = ${builds.B}; ${rounds} rounds of ${durationS} s, ${connections} connections`,
          '| operation | build | CPU us/request (median) | RPS | p99 ms | peak RSS MB | CPU per round | load average per round |',
          '|---|---|---|---|---|---|---|---|',
          line('A', results['A'] ?? []),
          line('B', results['B'] ?? []),
          '',
        ].join('\n'),
      );
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await bench.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
