/**
 * Redis calls per request of the rate limiter, four gateways on one Redis, leased vs exact mode.
 * The four gateway processes count their limits in a Redis of this bench's own (a private
 * redis-server), so `INFO commandstats` deltas hold their calls only; the rest of the stack
 * (BFFs, sagas) stays on the shared Redis. Two loads per mode, 20 connections spread over the
 * four gateways: one user on every connection (a hot key, leased on all four instances), and a
 * user per connection (20 keys, each on one instance). Then, per mode, the same hot-user load with
 * the limiters' Redis killed a second in and started again at the end: every request must still
 * be answered 2xx (fail-open surfaces fall back to their insurance limits).
 *
 *   ./node_modules/.bin/tsx bench/src/limit-calls.ts [--duration 5] [--connections 20]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, mintDevToken, Redis } from '@edge/common';
import type { ManagedProcess } from '@edge/stack';
import { startPrivateRedis } from '@edge/testkit';
import { processUrl, startBenchStack, waitServing } from './lib/bench-stack';
import { runLoad } from './lib/load';
import { callsBetween, commandCalls } from './lib/redis-command-stats';

const GATEWAYS = 4;
const QUERY = JSON.stringify({ query: '{ me { id } }' });
type Mode = 'leased' | 'exact';
type Keys = 'one user' | 'a user per connection';

interface Row {
  mode: Mode;
  keys: Keys;
  requests: number;
  rps: number;
  /** Calls the gateways sent (script calls: the limiters send nothing else here). */
  roundTrips: number;
  /** Commands Redis executed, those run inside the scripts included. */
  commands: number;
  byCommand: Record<string, number>;
}

/** Requests answered and failed (non-2xx, errors, timeouts) while Redis was down a while. */
interface OutageRow {
  mode: Mode;
  requests: number;
  failures: number;
}

export async function runLimitCalls(options: { durationS: number; connections: number }) {
  const bench = await startBenchStack();
  const redis = await startPrivateRedis();
  const stats = new Redis(redis.url);
  // The outage phase kills this Redis on purpose; the stats client reconnects by itself.
  stats.on('error', () => {});
  const rows: Row[] = [];
  const outages: OutageRow[] = [];
  try {
    const idp = await loadOrCreateSigningKey(join(bench.dataDir, 'keys', 'dev-idp.json'));
    const token = async (user: string) =>
      `Bearer ${await mintDevToken(idp, { userId: user, issuer: 'https://dev-idp.local', audience: 'edge-web' })}`;
    for (const mode of ['leased', 'exact'] as const) {
      const gateways: ManagedProcess[] = [];
      for (let i = 0; i < GATEWAYS; i++) {
        gateways.push(
          await bench.stack.addInstance('gateway', {
            REDIS_URL: redis.url,
            RATE_LIMIT_MODES: JSON.stringify({ web: mode, mobile: mode }),
          }),
        );
      }
      for (const gateway of gateways) await waitServing(gateway);
      for (const keys of ['one user', 'a user per connection'] as const) {
        const connections = Array.from({ length: options.connections }, (_, i) => i);
        const auth = await Promise.all(
          connections.map((i) => token(keys === 'one user' ? 'u-1' : `u-${i + 1}`)),
        );
        const load = (durationS: number) => loadAll(gateways, auth, durationS);
        await load(1);
        const before = await commandCalls(stats);
        const results = await load(options.durationS);
        const byCommand = callsBetween(before, await commandCalls(stats));
        const failures = results.reduce((sum, r) => sum + r.failures, 0);
        if (failures > 0) throw new Error(`${mode}/${keys}: ${failures} failed requests`);
        const row: Row = {
          mode,
          keys,
          requests: results.reduce((sum, r) => sum + r.requests, 0),
          rps: Math.round(results.reduce((sum, r) => sum + r.rps, 0)),
          roundTrips: (byCommand['evalsha'] ?? 0) + (byCommand['eval'] ?? 0),
          commands: Object.values(byCommand).reduce((a, b) => a + b, 0),
          byCommand,
        };
        rows.push(row);
        process.stderr.write(`[limit-calls] ${JSON.stringify(row)}\n`);
      }
      // Last, so the reconnections after it cannot touch the measurements above.
      const hot = await token('u-1');
      const during = loadAll(
        gateways,
        Array.from({ length: options.connections }, () => hot),
        options.durationS,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await redis.kill();
      const answered = await during;
      await redis.start();
      outages.push({
        mode,
        requests: answered.reduce((sum, r) => sum + r.requests, 0),
        failures: answered.reduce((sum, r) => sum + r.failures, 0),
      });
      process.stderr.write(`[limit-calls] outage ${JSON.stringify(outages.at(-1))}\n`);
      for (const gateway of gateways) await gateway.stop();
    }
    return { rows, outages };
  } finally {
    stats.disconnect();
    await bench.stop();
    await redis.kill();
  }
}

/** One connection per credential, spread over the gateways in turn. */
function loadAll(gateways: ManagedProcess[], auth: string[], durationS: number) {
  return Promise.all(
    auth.map((authorization, i) =>
      runLoad({
        url: `${processUrl(gateways[i % gateways.length])}/web/graphql`,
        headers: { authorization },
        body: QUERY,
        connections: 1,
        durationS,
      }),
    ),
  );
}

function report(rows: Row[], outages: OutageRow[]): string {
  return [
    '| mode | keys | requests | RPS (4 gateways) | Redis calls | calls per request | commands per request | commands |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.keys} | ${r.requests} | ${r.rps} | ${r.roundTrips} | ${(r.roundTrips / r.requests).toFixed(3)} | ${(r.commands / r.requests).toFixed(2)} | ${Object.entries(
          r.byCommand,
        )
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')} |`,
    ),
    '',
    '| mode | Redis killed 1 s into the run | requests | failed |',
    '|---|---|---|---|',
    ...outages.map((o) => `| ${o.mode} | one user | ${o.requests} | ${o.failures} |`),
  ].join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { duration: { type: 'string' }, connections: { type: 'string' } },
    strict: false,
  });
  const { rows, outages } = await runLimitCalls({
    durationS: Number(values['duration'] ?? 5),
    connections: Number(values['connections'] ?? 20),
  });
  process.stdout.write(`## limit-calls (four gateways)\n\n${report(rows, outages)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
