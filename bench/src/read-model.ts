/**
 * Product reads for a BFF: a batch of ids from the catalogue read model (one MGET on Redis)
 * against the same batch from the product service (`GET /products?ids=...` over a keep-alive
 * pool), same run, same ids, same concurrency. services-mock runs as its own process (as in the
 * stack) with its event stream on Redis; a projector fills the read model first.
 *
 *   ./node_modules/.bin/tsx bench/src/read-model.ts [--batches 4000] [--batch 50] [--concurrency 8]
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createLogger,
  DEFAULT_REDIS_URL,
  freeMockPortsEnv,
  Redis,
  unlinkKeysMatching,
} from '@edge/common';
import { createProductReadModel, Projector, readModelKeys } from '@edge/projection';
import { spawnService } from '@edge/stack';
import { Pool } from 'undici';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Stats {
  batchesPerS: number;
  p50: number;
  p99: number;
}

/** Raw timings of one measured run: per-batch latencies (ms) and the wall time it took. */
export interface Timings {
  times: number[];
  elapsedS: number;
}

/** Run `batches` reads, `concurrency` at a time; each must find `batchSize` products. */
export async function timeReads(
  batches: number,
  concurrency: number,
  read: () => Promise<number>,
  batchSize: number,
): Promise<Timings> {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < batches) {
      next++;
      const t0 = performance.now();
      const found = await read();
      times.push(performance.now() - t0);
      if (found !== batchSize) throw new Error(`expected ${batchSize} products, got ${found}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { times, elapsedS: (performance.now() - started) / 1000 };
}

/** Throughput and percentiles of one or more runs taken together. */
export function summarize(runs: readonly Timings[]): Stats {
  const times = runs.flatMap((r) => r.times).sort((a, b) => a - b);
  const elapsedS = runs.reduce((sum, r) => sum + r.elapsedS, 0);
  const at = (p: number) =>
    Number((times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0).toFixed(2));
  return { batchesPerS: Math.round(times.length / elapsedS), p50: at(0.5), p99: at(0.99) };
}

async function measure(
  batches: number,
  concurrency: number,
  read: () => Promise<number>,
  batchSize: number,
): Promise<Stats> {
  return summarize([await timeReads(batches, concurrency, read, batchSize)]);
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batches: { type: 'string', default: '4000' },
      batch: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '8' },
    },
    strict: false,
  });
  const batches = Number(values.batches);
  const batchSize = Number(values.batch);
  const concurrency = Number(values.concurrency);
  const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
  const base = `bench-rm-${randomUUID().slice(0, 8)}:`;
  const stream = `${base}product-events`;
  const prefix = `${base}rm:`;
  const mock = await spawnService({
    name: 'services-mock',
    entry: join(ROOT, 'packages/services-mock/src/main.ts'),
    cwd: ROOT,
    readyMessage: 'services-mock ready',
    env: {
      REDIS_URL: redisUrl,
      STORE_MODE: 'redis',
      // The ready line is logged at info; the child's lines are kept, not printed.
      LOG_LEVEL: 'info',
      PRODUCT_EVENTS_STREAM: stream,
      READ_MODEL_PREFIX: prefix,
      ...freeMockPortsEnv(),
    },
  });
  const redis = new Redis(redisUrl);
  const pool = new Pool(
    `http://127.0.0.1:${(mock.ready['ports'] as Record<string, number>)['product']}`,
    {
      connections: concurrency,
    },
  );
  try {
    const log = createLogger({ service: 'bench', level: 'warn' });
    // The projector's blocking reads need a connection of their own, closed once it stopped.
    const projectorRedis = new Redis(redisUrl);
    const projector = new Projector({
      redis: projectorRedis,
      stream,
      keys: readModelKeys(prefix),
      log,
      consumer: 'bench',
    });
    await projector.start();
    const reads = createProductReadModel(redis, { prefix });
    while ((await reads.getMany(['p-400'], 'web')).misses.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await projector.stop();
    projectorRedis.disconnect();

    let offset = 0;
    const nextIds = () => {
      offset = (offset + batchSize) % 400;
      return Array.from({ length: batchSize }, (_, i) => `p-${((offset + i) % 400) + 1}`);
    };
    const fromService = async () => {
      const res = await pool.request({
        path: `/products?ids=${nextIds().join(',')}`,
        method: 'GET',
      });
      const body = (await res.body.json()) as { items: unknown[] };
      return body.items.length;
    };
    const fromReadModel = async () => {
      const { items } = await reads.getMany(nextIds(), 'web');
      return items.filter((i) => i !== undefined).length;
    };
    // Warm both paths (JIT, sockets) before measuring, then alternate to share the machine's state.
    await measure(300, concurrency, fromService, batchSize);
    await measure(300, concurrency, fromReadModel, batchSize);
    const service = await measure(batches, concurrency, fromService, batchSize);
    const readModel = await measure(batches, concurrency, fromReadModel, batchSize);
    const ratio = (readModel.batchesPerS / service.batchesPerS).toFixed(2);
    console.log(
      JSON.stringify(
        { batches, batchSize, concurrency, service, readModel, throughputRatio: Number(ratio) },
        null,
        2,
      ),
    );
  } finally {
    await pool.close();
    await unlinkKeysMatching(redis, `${base}*`);
    await redis.quit();
    await mock.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
