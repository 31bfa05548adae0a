/**
 * What a web query costs once the product service is down and bff-web's product breaker is
 * open: the answer comes from the stale cache (products seen before) or is a partial result
 * with UPSTREAM_UNAVAILABLE (products never seen), without touching the network. Measured at
 * bff-web (in process, in front of an in-process services-mock, edge-signed identity), so the
 * figure is the BFF's own; the edge adds its forward hop on top (see edge-overhead.ts).
 * Prints p50, p99 and max per case, healthy service included for comparison. Concurrency 1 by
 * default: this is a latency figure, and the client shares the event loop with the BFF.
 *
 *   pnpm bench            (every bench script)
 *   ./node_modules/.bin/tsx bench/src/breaker-open.ts [--requests 3000] [--concurrency 1]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { webSchema } from '@edge/bff-web';
import { INTERNAL_TOKEN_HEADER } from '@edge/common';
import { startTestBff, type TestBff } from '@edge/testkit';
import { Pool } from 'undici';

const ME_WITH_PRODUCTS = `{ me { id name orders(first: 5) { edges { node { id total { amountCents currency }
  items { quantity product { id name price { amountCents currency } } } } } } } }`;
const UNSEEN_PRODUCT = `{ me { id name } product(id: "p-399") { id name price { amountCents } } }`;

export interface LatencyStats {
  p50: number;
  p99: number;
  max: number;
  requests: number;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Number((sorted[Math.max(0, index)] ?? 0).toFixed(2));
}

async function measure(
  bff: TestBff,
  token: string,
  query: string,
  requests: number,
  concurrency: number,
  check: (body: { data?: unknown; errors?: unknown; extensions?: unknown }) => boolean,
): Promise<LatencyStats> {
  const pool = new Pool(bff.bff.url, { connections: concurrency });
  const body = JSON.stringify({ query });
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next++;
      const t0 = performance.now();
      const res = await pool.request({
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
        body,
      });
      const answer = (await res.body.json()) as Parameters<typeof check>[0];
      times.push(performance.now() - t0);
      if (!check(answer)) throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: percentile(times, 100),
    requests,
  };
}

export async function runBreakerOpen(options: { requests?: number; concurrency?: number } = {}) {
  const requests = options.requests ?? 3000;
  const concurrency = options.concurrency ?? 1;
  const bff = await startTestBff({
    name: 'bff-web',
    schemas: () => [webSchema({ previewFields: false })],
    // A long reset keeps the breaker open for the whole measurement.
    env: { BREAKER_VOLUME_THRESHOLD: '5', PRODUCT_BREAKER_RESET_MS: '600000' },
  });
  try {
    const token = await bff.sign({ surface: 'web', userId: 'u-1' });
    const healthy = await measure(
      bff,
      token,
      ME_WITH_PRODUCTS,
      requests,
      concurrency,
      (b) => !b.errors,
    );
    await bff.fault('product', { mode: 'down' });
    while (bff.bff.clients.upstreams.product.state() !== 'open') {
      await bff.gql('/graphql', ME_WITH_PRODUCTS, { surface: 'web', userId: 'u-1' });
    }
    const stale = await measure(bff, token, ME_WITH_PRODUCTS, requests, concurrency, (b) =>
      JSON.stringify(b.extensions ?? {}).includes('"stale"'),
    );
    const partial = await measure(bff, token, UNSEEN_PRODUCT, requests, concurrency, (b) =>
      JSON.stringify(b.errors ?? []).includes('UPSTREAM_UNAVAILABLE'),
    );
    return { healthy, stale, partial, concurrency };
  } finally {
    await bff.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: { requests: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const num = (v: unknown) => (typeof v === 'string' ? Number(v) : undefined);
  const result = await runBreakerOpen({
    ...(num(values['requests']) ? { requests: num(values['requests']) } : {}),
    ...(num(values['concurrency']) ? { concurrency: num(values['concurrency']) } : {}),
  });
  const row = (name: string, s: LatencyStats) =>
    `${name.padEnd(34)} p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(2)} ms  (${s.requests} requests)`;
  console.log(`breaker-open: bff-web, concurrency ${result.concurrency}`);
  console.log(row('product healthy', result.healthy));
  console.log(row('breaker open, stale products', result.stale));
  console.log(row('breaker open, partial (unseen)', result.partial));
  console.log(JSON.stringify({ bench: 'breaker-open', ...result }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
