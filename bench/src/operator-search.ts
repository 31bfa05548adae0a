/**
 * What one operator search costs at a month's volume: `--completed` finished sagas (five steps of
 * history each) and `--dead` dead-lettered ones in Redis under a private prefix, then each filter
 * searched `--rounds` times as the operator page and `GET /sagas` search. Reports the median ms
 * per search, the counts the search answered and what it read only in part. Standalone:
 *
 *   ./node_modules/.bin/tsx bench/src/operator-search.ts [--completed 30000] [--dead 50] [--rounds 5]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { deleteKeysWithPrefix } from '@edge/testkit';
import { FORWARD_STEPS, type Saga } from '../../packages/saga/src/index';
import { RedisSagaStore } from '../../packages/saga/src/redis-saga-store';
import { searchQuery, searchSagas } from '../../packages/saga/src/saga-search';

const { values } = parseArgs({
  options: {
    completed: { type: 'string', default: '30000' },
    dead: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
  },
});
const COMPLETED = Number(values.completed);
const DEAD = Number(values.dead);
const ROUNDS = Number(values.rounds);
/** Seeding writes in flight at once. */
const SEED_BATCH = 2_000;
const FILTERS = ['', 'status=completed', 'status=any&q=u-7'];

function finishedSaga(n: number): Saga {
  const at = new Date(Date.now() - n * 1000).toISOString();
  const id = `sg-${n}`;
  const input = {
    userId: `u-${n % 100}`,
    partnerId: null,
    items: [{ productId: 'p-1', quantity: 2 }],
  };
  const history: Saga['history'] = [{ type: 'saga_created', clientKey: `k-${n}`, input, at }];
  for (const step of FORWARD_STEPS) {
    const idempotencyKey = `${id}:${step}`;
    history.push({ type: 'step_started', step, attempt: 1, idempotencyKey, at });
    history.push({
      type: 'step_succeeded',
      step,
      attempt: 1,
      idempotencyKey,
      answer: { status: 201, body: { id: `${step}-${n}`, amountCents: 4_990 } },
      at,
    });
  }
  return {
    id,
    type: 'place_order',
    clientKey: `k-${n}`,
    input,
    state: { status: 'completed' },
    context: { orderId: `o-${n}`, totalCents: 4_990, currency: 'EUR' },
    history,
    createdAt: at,
    updatedAt: at,
    dueAt: null,
  } as Saga;
}

async function seed(store: RedisSagaStore): Promise<void> {
  for (let from = 0; from < COMPLETED; from += SEED_BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let n = from; n < Math.min(COMPLETED, from + SEED_BATCH); n++) {
      batch.push(store.create(finishedSaga(n)));
    }
    await Promise.all(batch);
  }
  for (let n = COMPLETED; n < COMPLETED + DEAD; n++) {
    const running = { ...finishedSaga(n), state: { status: 'running' } } as Saga;
    const { saga, claim } = await store.create(running, { owner: 'bench', ttlMs: 60_000 });
    if (!claim) throw new Error(`saga ${n} was created without its lease`);
    const at = new Date().toISOString();
    const dead = {
      ...saga,
      state: {
        status: 'dead_lettered',
        phase: 'compensating',
        cause: 'failure',
        reason: 'refund_payment: horizon ended',
        at,
      },
      updatedAt: at,
    } as Saga;
    await store.saveAndRelease(dead, claim.lease, [], saga);
  }
}

async function timeSearch(store: RedisSagaStore, filter: string) {
  const query = searchQuery.parse(Object.fromEntries(new URLSearchParams(filter)));
  const times: number[] = [];
  let result: Awaited<ReturnType<typeof searchSagas>> | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    result = await searchSagas(store, () => false, query);
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    filter: filter || '(default: attention)',
    medianMs: Number(sorted[Math.floor(sorted.length / 2)]?.toFixed(1)),
    matched: result?.matched,
    completedCount: result?.counts.completed,
    truncated: result?.truncated,
  };
}

const redis = new Redis(DEFAULT_REDIS_URL);
const prefix = `bench:ops:${randomUUID()}:`;
const store = new RedisSagaStore({ redis, prefix });
try {
  const started = performance.now();
  await seed(store);
  console.error(
    `seeded ${COMPLETED} completed + ${DEAD} dead-lettered in ${(performance.now() - started).toFixed(0)} ms`,
  );
  for (const filter of FILTERS) console.log(JSON.stringify(await timeSearch(store, filter)));
} finally {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
}
