/**
 * Product reads through a BFF: the same GraphQL query (50 `product(id)` fields, one DataLoader
 * batch) sent to two bff-web processes in the same run, one serving the product loader from the
 * catalogue read model (STORE_MODE=redis, projection running) and one from the product service
 * (STORE_MODE=memory). services-mock and the projection run as their own processes, as in the
 * stack. Fails if the read-model BFF fell back to the service during the run.
 *
 *   ./node_modules/.bin/tsx bench/src/read-model-bff.ts [--batches 3000] [--batch 50] [--concurrency 8]
 *     [--rounds 10]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_REDIS_URL,
  freeMockPortsEnv,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  Redis,
  signInternalToken,
  unlinkKeysMatching,
} from '@edge/common';
import { readModelKeys } from '@edge/projection';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { Pool } from 'undici';
import { summarize, type Timings, timeReads } from './read-model';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Seeded catalogue size of services-mock (p-1 .. p-400). */
const CATALOGUE = 400;

const portOf = (p: ManagedProcess) => Number(p.ready['port']);

async function metric(bffUrl: string, pattern: RegExp): Promise<number[]> {
  const text = await (await fetch(`${bffUrl}/metrics`)).text();
  return [...text.matchAll(pattern)].map((m) => Number(m[1]));
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      batches: { type: 'string', default: '3000' },
      batch: { type: 'string', default: '50' },
      concurrency: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '10' },
    },
    strict: false,
  });
  const batches = Number(values.batches);
  const batchSize = Number(values.batch);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
  const base = `bench-rmbff-${randomUUID().slice(0, 8)}:`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-rmbff-'));
  const keyFile = join(dir, 'edge.json');
  const edgeKey = await loadOrCreateSigningKey(keyFile);
  const shared = {
    REDIS_URL: redisUrl,
    PRODUCT_EVENTS_STREAM: `${base}product-events`,
    READ_MODEL_PREFIX: `${base}rm:`,
    // The ready line is logged at info; the children's lines are kept, not printed.
    LOG_LEVEL: 'info',
  };
  const procs: ManagedProcess[] = [];
  const spawn = async (
    name: string,
    entry: string,
    env: Record<string, string>,
    ready?: string,
  ) => {
    const proc = await spawnService({
      name,
      entry: join(ROOT, entry),
      cwd: ROOT,
      env: { ...shared, ...env },
      ...(ready ? { readyMessage: ready } : {}),
    });
    procs.push(proc);
    return proc;
  };
  const pools: Pool[] = [];
  try {
    const mock = await spawn(
      'services-mock',
      'packages/services-mock/src/main.ts',
      {
        STORE_MODE: 'redis',
        ...freeMockPortsEnv(),
      },
      'services-mock ready',
    );
    const ports = mock.ready['ports'] as Record<string, number>;
    await spawn('projection', 'packages/projection/src/main.ts', {
      STORE_MODE: 'redis',
      PROJECTION_PORT: '0',
    });
    const bffEnv = {
      PORT: '0',
      EDGE_PUBLIC_KEY_FILE: keyFile,
      ORDER_SERVICE_URL: `http://127.0.0.1:${ports['order']}`,
      PRODUCT_SERVICE_URL: `http://127.0.0.1:${ports['product']}`,
      USER_SERVICE_URL: `http://127.0.0.1:${ports['user']}`,
    };
    const entry = 'packages/bff-web/src/main.ts';
    const [viaReadModel, viaService] = await Promise.all([
      spawn('bff-web (read model)', entry, { ...bffEnv, STORE_MODE: 'redis' }),
      spawn('bff-web (service)', entry, { ...bffEnv, STORE_MODE: 'memory' }),
    ]);
    const readModelUrl = `http://127.0.0.1:${portOf(viaReadModel)}`;
    const serviceUrl = `http://127.0.0.1:${portOf(viaService)}`;

    // The projection has applied the seed catalogue and a heartbeat: the BFF sees it fresh.
    const lag = /^bff_product_read_model_lag_seconds\{[^}]*\} ([\d.e-]+)/gm;
    const redis = new Redis(redisUrl);
    try {
      const last = readModelKeys(`${base}rm:`).view('v1', `p-${CATALOGUE}`, 'web');
      for (let i = 0; ; i++) {
        const [lagS] = await metric(readModelUrl, lag);
        if (lagS !== undefined && lagS < 5 && (await redis.exists(last)) === 1) break;
        if (i > 300) throw new Error('read model not filled and fresh within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await redis.quit();
    }

    const identity = await signInternalToken(
      { surface: 'web', userId: 'u-1' },
      edgeKey,
      'web',
      3600,
    );
    let offset = 0;
    const nextQuery = () => {
      offset = (offset + batchSize) % CATALOGUE;
      const fields = Array.from(
        { length: batchSize },
        (_, i) =>
          `p${i}: product(id: "p-${((offset + i) % CATALOGUE) + 1}") { id name description price { amountCents currency } stock }`,
      );
      return JSON.stringify({ query: `{ ${fields.join(' ')} }` });
    };
    const reader = (url: string) => {
      const pool = new Pool(url, { connections: concurrency });
      pools.push(pool);
      return async () => {
        const res = await pool.request({
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: identity },
          body: nextQuery(),
        });
        const body = (await res.body.json()) as { data?: Record<string, unknown> | null };
        return Object.values(body.data ?? {}).filter((p) => p !== null).length;
      };
    };
    const fromService = reader(serviceUrl);
    const fromReadModel = reader(readModelUrl);
    const fallbacks = /^bff_product_read_fallbacks_total\{[^}]*\} (\d+)/gm;
    const sum = async () => (await metric(readModelUrl, fallbacks)).reduce((a, b) => a + b, 0);

    // Warm both paths (JIT, sockets) first.
    await timeReads(300, concurrency, fromService, batchSize);
    await timeReads(300, concurrency, fromReadModel, batchSize);
    // Interleaved rounds, alternating which path goes first: on a shared machine the load drifts
    // over a run, and measuring one path after the other measured the drift (0.5x to 1.4x).
    const fallbacksBefore = await sum();
    const runs: Record<'service' | 'readModel', Timings[]> = { service: [], readModel: [] };
    const perRound = Math.ceil(batches / rounds);
    for (let r = 0; r < rounds; r++) {
      const order =
        r % 2 === 0 ? (['service', 'readModel'] as const) : (['readModel', 'service'] as const);
      for (const path of order) {
        const read = path === 'service' ? fromService : fromReadModel;
        runs[path].push(await timeReads(perRound, concurrency, read, batchSize));
      }
    }
    const service = summarize(runs.service);
    const readModel = summarize(runs.readModel);
    // Per-round ratios show how much of the figure is noise.
    const roundRatios = runs.readModel.map((rm, i) => {
      const sv = runs.service[i];
      return sv ? Number((sv.elapsedS / rm.elapsedS).toFixed(2)) : Number.NaN;
    });
    const fallbacksDuring = (await sum()) - fallbacksBefore;
    if (fallbacksDuring !== 0) {
      throw new Error(`the read-model BFF sent ${fallbacksDuring} ids to the service`);
    }
    const ratio = (readModel.batchesPerS / service.batchesPerS).toFixed(2);
    console.log(
      JSON.stringify(
        {
          through: 'bff-web /graphql',
          batches,
          batchSize,
          concurrency,
          service,
          readModel,
          rounds,
          readModelFallbacks: fallbacksDuring,
          throughputRatio: Number(ratio),
          roundRatios,
        },
        null,
        2,
      ),
    );
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    for (const proc of procs.reverse()) await proc.stop();
    const redis = new Redis(redisUrl);
    await unlinkKeysMatching(redis, `${base}*`);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
