/**
 * Redis calls per request of the rate limiter, four gateways on one Redis, leased vs exact mode.
 * The four gateway processes count their limits in a Redis of this bench's own (a private
 * redis-server), so `INFO commandstats` deltas hold their calls only; the rest of the stack
 * (BFFs, sagas) stays on the shared Redis. Two loads per mode, 20 connections spread over the
 * four gateways: one user on every connection (a hot key, leased on all four instances), and a
 * user per connection (20 keys, each on one instance).
 *
 *   ./node_modules/.bin/tsx bench/src/limit-calls.ts [--duration 5] [--connections 20]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, mintDevToken, Redis } from '@edge/common';
import type { ManagedProcess } from '@edge/stack';
import { startPrivateRedis } from '@edge/testkit';
import { startBenchStack } from './lib/bench-stack';
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

export async function runLimitCalls(options: { durationS: number; connections: number }) {
  const bench = await startBenchStack();
  const redis = await startPrivateRedis();
  const stats = new Redis(redis.url);
  const rows: Row[] = [];
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
      await waitServing(gateways);
      for (const keys of ['one user', 'a user per connection'] as const) {
        const connections = Array.from({ length: options.connections }, (_, i) => i);
        const auth = await Promise.all(
          connections.map((i) => token(keys === 'one user' ? 'u-1' : `u-${i + 1}`)),
        );
        const load = (durationS: number) =>
          Promise.all(
            connections.map((i) =>
              runLoad({
                url: `${url(gateways[i % GATEWAYS])}/web/graphql`,
                headers: { authorization: auth[i] ?? '' },
                body: QUERY,
                connections: 1,
                durationS,
              }),
            ),
          );
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
      for (const gateway of gateways) await gateway.stop();
    }
    return rows;
  } finally {
    stats.disconnect();
    await bench.stop();
    await redis.kill();
  }
}

const url = (proc: ManagedProcess | undefined) =>
  `http://127.0.0.1:${String(proc?.ready['port'] ?? 0)}`;

/** Added gateways listen before their surfaces' schemas are loaded. */
async function waitServing(gateways: ManagedProcess[]): Promise<void> {
  for (const gateway of gateways) {
    for (let i = 0; ; i++) {
      const res = await fetch(`${url(gateway)}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      if (i > 300) throw new Error(`${url(gateway)} never became ready`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function report(rows: Row[]): string {
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
  ].join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { duration: { type: 'string' }, connections: { type: 'string' } },
    strict: false,
  });
  const rows = await runLimitCalls({
    durationS: Number(values['duration'] ?? 5),
    connections: Number(values['connections'] ?? 20),
  });
  process.stdout.write(`## limit-calls (four gateways)\n\n${report(rows)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
