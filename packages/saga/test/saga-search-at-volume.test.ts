import { randomUUID } from 'node:crypto';
import { DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { deleteKeysWithPrefix } from '@edge/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisSagaStore } from '../src/redis-saga-store';
import { isActive, type Saga, type SagaState, type SagaStatus } from '../src/saga';
import { SEARCH_SCAN_LIMIT, searchQuery, searchSagas } from '../src/saga-search';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const STUCK_AFTER_MS = 60_000;
const COMPLETED = SEARCH_SCAN_LIMIT + 1_000;
const DEAD = 5;

/** The real store, tallying the records it reads by their status: what a search cost. */
class ReadCountingStore extends RedisSagaStore {
  readonly reads = new Map<SagaStatus, number>();

  override async get(id: string): Promise<Saga | undefined> {
    const saga = await super.get(id);
    if (saga) this.reads.set(saga.state.status, (this.reads.get(saga.state.status) ?? 0) + 1);
    return saga;
  }
}

function saga(n: number, state: SagaState, minutesAgo: number): Saga {
  const at = new Date(NOW - minutesAgo * 60_000).toISOString();
  const input = {
    userId: `u-${n % 50}`,
    partnerId: null,
    items: [{ productId: 'p-1', quantity: 1 }],
  };
  return {
    id: `sg-${n}`,
    type: 'place_order',
    clientKey: `k-${n}`,
    input,
    state,
    context: { orderId: `o-${n}`, totalCents: 1_000, currency: 'EUR' },
    history: [{ type: 'saga_created', clientKey: `k-${n}`, input, at }],
    createdAt: at,
    updatedAt: at,
    dueAt: null,
  };
}

/** Through the store's own scripts, a batch at a time, so thousands take about a second. */
async function createMany(store: RedisSagaStore, sagas: Saga[]): Promise<void> {
  for (let from = 0; from < sagas.length; from += 1_000) {
    await Promise.all(sagas.slice(from, from + 1_000).map((s) => store.create(s)));
  }
}

/** Dead-lettered as the engine does it: a leased write, so the DLQ index holds it too. */
async function deadLetter(store: RedisSagaStore, n: number): Promise<void> {
  const { saga: created, claim } = await store.create(saga(n, { status: 'running' }, 30), {
    owner: 'test',
    ttlMs: 60_000,
  });
  if (!claim) throw new Error('create with claimAs returns its claim');
  const at = new Date(NOW - 10 * 60_000).toISOString();
  const state: SagaState = {
    status: 'dead_lettered',
    phase: 'compensating',
    cause: 'failure',
    reason: 'refund_payment: horizon ended',
    at,
  };
  await store.saveAndRelease({ ...created, state, updatedAt: at }, claim.lease, [], created);
}

describe('operator search over a store holding more than one search reads', () => {
  const redis = new Redis(process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
  const prefix = `test:${randomUUID()}:`;
  const store = new ReadCountingStore({ redis, prefix });
  const isStuck = (s: Saga) =>
    isActive(s.state.status) && NOW - Date.parse(s.updatedAt) > STUCK_AFTER_MS;
  const search = (q: Record<string, string>) =>
    searchSagas(store, isStuck, searchQuery.parse(q), NOW);

  beforeAll(async () => {
    const completed = Array.from({ length: COMPLETED }, (_, n) =>
      saga(n, { status: 'completed' }, 5 + (n % 1_000)),
    );
    await createMany(store, completed);
    for (let n = 0; n < DEAD; n++) await deadLetter(store, COMPLETED + n);
    await createMany(store, [
      saga(COMPLETED + DEAD, { status: 'running' }, 20),
      saga(COMPLETED + DEAD + 1, { status: 'running' }, 0),
    ]);
  }, 30_000);

  beforeEach(() => store.reads.clear());

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  it('needs attention lists the dead-lettered and stuck sagas with exact counts, reading no completed one', async () => {
    const result = await search({});
    expect(result.counts).toEqual({
      pending: 0,
      running: 2,
      compensating: 0,
      completed: COMPLETED,
      compensated: 0,
      dead_lettered: DEAD,
      resolved: 0,
      stuck: 1,
    });
    expect(result.exact).toEqual({ matched: true, stuck: true });
    expect(result.truncated).toEqual([]);
    expect(result.matched).toBe(DEAD + 1);
    expect(result.items.filter((s) => s.status === 'dead_lettered')).toHaveLength(DEAD);
    expect(result.items.find((s) => s.stuck)?.id).toBe(`sg-${COMPLETED + DEAD}`);
    expect(result.replayable.ids).toHaveLength(DEAD + 1);
    expect(Object.fromEntries(store.reads)).toEqual({ dead_lettered: DEAD, running: 2 });
  });

  it('a status holding more than the read limit is read up to it and says the matches are a lower bound', async () => {
    const result = await search({ status: 'completed' });
    expect(result.counts.completed).toBe(COMPLETED);
    expect(result.truncated).toEqual(['completed']);
    expect(result.exact).toEqual({ matched: false, stuck: true });
    expect(result.matched).toBe(SEARCH_SCAN_LIMIT);
    // Completed sagas match the filter, but no replay accepts them: the bulk replay offers none.
    expect(result.replayable).toEqual({ ids: [], totals: {} });
    expect(store.reads.get('completed')).toBe(SEARCH_SCAN_LIMIT);
    expect(store.reads.get('dead_lettered')).toBeUndefined();
  });
});
