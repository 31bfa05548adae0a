/**
 * The edge's cost: the same web query through the gateway (JWT auth, Redis rate limits,
 * validation, forward) and straight to bff-web with an edge-signed identity, in one run on one
 * machine. Prints RPS and latency percentiles for both and the ratio.
 *
 *   pnpm bench            (every bench script)
 *   ./node_modules/.bin/tsx bench/src/edge-overhead.ts [--duration 10] [--connections 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_REDIS_URL,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  mintDevToken,
  signInternalToken,
} from '@edge/common';
// The stack launcher is a workspace package the bench does not list; its entry is public.
import { startStack } from '../../packages/stack/src/index';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;

// autocannon ships no types; only the call above is used, typed here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const QUERY = JSON.stringify({ query: '{ me { id name email } }' });
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface EdgeOverheadResult {
  direct: AutocannonResult;
  edge: AutocannonResult;
}

export async function runEdgeOverhead(
  options: { durationS?: number; connections?: number } = {},
): Promise<EdgeOverheadResult> {
  const duration = options.durationS ?? 10;
  const connections = options.connections ?? 50;
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  const stack = await startStack({
    root,
    dataDir,
    storeMode: 'redis',
    redisUrl: process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL,
    ports: 'free',
    logLevel: 'info',
    // Limits are counted in Redis on every request but set high enough never to refuse.
    env: { RATE_LIMIT_USER: '1000000000', RATE_LIMIT_PREFIX: `bench:${Date.now()}` },
  });
  try {
    const idp = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
    const edgeKey = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
    const token = await mintDevToken(idp, {
      userId: 'u-1',
      issuer: 'https://dev-idp.local',
      audience: 'edge-web',
    });
    const identity = await signInternalToken({ surface: 'web', userId: 'u-1' }, edgeKey, 3600);
    const run = (url: string, headers: Record<string, string>) =>
      autocannon({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: QUERY,
        connections,
        duration,
      });
    const warm = { connections, duration: 2 };
    await autocannon({
      url: `${stack.urls.gateway}/web/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: QUERY,
      ...warm,
    });
    const direct = await run(`${stack.urls.bffWeb}/graphql`, { [INTERNAL_TOKEN_HEADER]: identity });
    const edge = await run(`${stack.urls.gateway}/web/graphql`, {
      authorization: `Bearer ${token}`,
    });
    return { direct, edge };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report({ direct, edge }: EdgeOverheadResult): string {
  const row = (name: string, r: AutocannonResult) =>
    `| ${name} | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${r.non2xx + r.errors} |`;
  const ratio = edge.requests.average / direct.requests.average;
  return [
    '| path | RPS | p50 ms | p99 ms | non-2xx/errors |',
    '|---|---|---|---|---|',
    row('direct to bff-web', direct),
    row('through gateway', edge),
    '',
    `edge throughput = ${(ratio * 100).toFixed(1)}% of direct (${((1 - ratio) * 100).toFixed(1)}% overhead)`,
  ].join('\n');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { duration: { type: 'string' }, connections: { type: 'string' } },
    strict: false,
  });
  const result = await runEdgeOverhead({
    durationS: Number(values['duration'] ?? 10),
    connections: Number(values['connections'] ?? 50),
  });
  process.stdout.write(`## edge-overhead\n\n${report(result)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
