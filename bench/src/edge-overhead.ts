/**
 * The edge's cost: the same web query through the gateway (JWT auth, Redis rate limits,
 * validation, forward) and straight to bff-web with an edge-signed identity, in one run on one
 * machine. Prints RPS and latency percentiles for both and the ratio.
 *
 *   pnpm bench            (every bench script)
 *   ./node_modules/.bin/tsx bench/src/edge-overhead.ts [--duration 10] [--connections 50]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IDENTITY_HEADER, startBenchStack } from './lib/bench-stack';
import { type LoadResult, runLoad } from './lib/load';

const QUERY = JSON.stringify({ query: '{ me { id name email } }' });

export interface EdgeOverheadResult {
  direct: LoadResult;
  edge: LoadResult;
}

export async function runEdgeOverhead(
  options: { durationS?: number; connections?: number } = {},
): Promise<EdgeOverheadResult> {
  const durationS = options.durationS ?? 10;
  const connections = options.connections ?? 50;
  const bench = await startBenchStack();
  try {
    const { urls } = bench.stack;
    const { credentials } = bench;
    const edge = {
      url: `${urls.gateway}/web/graphql`,
      headers: { authorization: credentials.webBearer },
    };
    const direct = {
      url: `${urls.bffWeb}/graphql`,
      headers: { [IDENTITY_HEADER]: credentials.identity.web },
    };
    await runLoad({ ...edge, body: QUERY, connections, durationS: 2 });
    return {
      direct: await runLoad({ ...direct, body: QUERY, connections, durationS }),
      edge: await runLoad({ ...edge, body: QUERY, connections, durationS }),
    };
  } finally {
    await bench.stop();
  }
}

function report({ direct, edge }: EdgeOverheadResult): string {
  const row = (name: string, r: LoadResult) =>
    `| ${name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.failures} |`;
  const ratio = edge.rps / direct.rps;
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
