import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSagaStore } from '../src/file-saga-store';
import type { Saga, SagaState } from '../src/saga';
import { searchQuery, searchSagas } from '../src/saga-search';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');

function saga(
  n: number,
  state: SagaState,
  userId: string,
  cents: number,
  minutesAgo: number,
): Saga {
  const at = new Date(NOW - minutesAgo * 60_000).toISOString();
  return {
    id: `sg-${n}`,
    type: 'place_order',
    clientKey: `k-${n}`,
    input: { userId, partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] },
    state,
    context: { orderId: `o-${n}`, totalCents: cents, currency: 'EUR' },
    history: [
      {
        type: 'compensation_failed',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: `sg-${n}:refund_payment`,
        answer: { status: 429, body: { error: 'slow down' } },
        retryable: true,
        at,
      },
    ],
    createdAt: at,
    updatedAt: at,
    dueAt: null,
  };
}

const dead = (reason: string): SagaState => ({
  status: 'dead_lettered',
  phase: 'compensating',
  cause: 'failure',
  reason,
  at: new Date(NOW).toISOString(),
});

describe('operator search', () => {
  let dir: string;
  let store: FileSagaStore;
  const search = (q: Record<string, string>) =>
    searchSagas(store, () => false, searchQuery.parse(q), NOW);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'saga-search-'));
    store = await FileSagaStore.open({ dir, fsync: false });
    await store.create(saga(1, dead('refund_payment: horizon ended'), 'u-1', 1_000, 1));
    await store.create(saga(2, dead('refund_payment: horizon ended'), 'u-2', 5_000, 2));
    await store.create(saga(3, dead('refund_payment: 400 card closed'), 'u-1', 9_000, 90));
    await store.create(
      saga(
        4,
        { status: 'resolved', actor: 'a', reason: 'by hand (reference RF-1)' },
        'u-1',
        2_000,
        3,
      ),
    );
    await store.create(saga(5, { status: 'completed' }, 'u-3', 3_000, 4));
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs attention by default, counts every status, totals the matches', async () => {
    const result = await search({});
    expect(result.items.map((s) => s.id)).toEqual(['sg-1', 'sg-2', 'sg-3']);
    expect(result.counts).toMatchObject({ dead_lettered: 3, resolved: 1, completed: 1, stuck: 0 });
    expect(result.totals).toEqual({ EUR: 15_000 });
    expect(result.items[0]?.lastProblem?.summary).toBe('payment answered 429');
  });

  it('filters combine: user, amount range, age, provider, step, reason, free text', async () => {
    const ids = async (q: Record<string, string>) => (await search(q)).items.map((s) => s.id);
    expect(await ids({ userId: 'u-1' })).toEqual(['sg-1', 'sg-3']);
    expect(await ids({ minAmount: '20', maxAmount: '90' })).toEqual(['sg-2', 'sg-3']);
    expect(await ids({ olderThanMin: '60' })).toEqual(['sg-3']);
    expect(await ids({ provider: 'payment', step: 'refund_payment' })).toHaveLength(3);
    expect(await ids({ provider: 'shipping' })).toEqual([]);
    expect(await ids({ reason: 'CARD' })).toEqual(['sg-3']);
    expect(await ids({ q: 'o-2' })).toEqual(['sg-2']);
    expect(await ids({ orderId: 'o-1' })).toEqual(['sg-1']);
  });

  it('resolved sagas stay findable under their filter', async () => {
    const result = await search({ status: 'resolved' });
    expect(result.items.map((s) => s.id)).toEqual(['sg-4']);
    expect(result.items[0]?.reason).toContain('RF-1');
    expect((await search({ status: 'any' })).matched).toBe(5);
  });

  it('cursor paging visits every match once, newest change first', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search({ status: 'any', limit: '2', ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['sg-1', 'sg-2', 'sg-4', 'sg-5', 'sg-3']);
  });

  it('a bad amount is a 400-style validation problem, not a crash', () => {
    expect(searchQuery.safeParse({ minAmount: 'lots' }).success).toBe(false);
    expect(searchQuery.safeParse({ status: 'nope' }).success).toBe(false);
  });
});

describe('the compensating view', () => {
  let dir: string;
  let store: FileSagaStore;
  const search = (q: Record<string, string>) =>
    searchSagas(store, () => false, searchQuery.parse(q), NOW);

  /** A refund deferred at every retry: changed a moment ago, compensating since long before. */
  function compensating(n: number, startedMinAgo: number, changedMinAgo: number): Saga {
    const base = saga(
      n,
      { status: 'compensating', cause: 'failure', reason: 'ship_order: 409' },
      'u-1',
      1_000,
      changedMinAgo,
    );
    const started = new Date(NOW - startedMinAgo * 60_000).toISOString();
    return {
      ...base,
      history: [
        { type: 'compensation_required', cause: 'failure', reason: 'ship_order: 409', at: started },
        ...base.history,
      ],
    };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'saga-search-compensating-'));
    store = await FileSagaStore.open({ dir, fsync: false });
    await store.create(compensating(1, 10, 1));
    await store.create(compensating(2, 50, 20));
    await store.create(compensating(3, 30, 5));
    await store.create(saga(4, { status: 'completed' }, 'u-1', 1_000, 0));
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the longest-compensating first, by the compensation-age clock, and pages in that order', async () => {
    const view = await search({ status: 'compensating', sort: 'oldest_compensation' });
    expect(view.items.map((s) => s.id)).toEqual(['sg-2', 'sg-3', 'sg-1']);
    expect(view.items[0]?.compensatingSince).toBe(new Date(NOW - 50 * 60_000).toISOString());
    // The default order puts the one the alert is about last: its retries keep changing it.
    expect((await search({ status: 'compensating' })).items.map((s) => s.id)).toEqual([
      'sg-1',
      'sg-3',
      'sg-2',
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search({
        status: 'any',
        sort: 'oldest_compensation',
        limit: '1',
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['sg-2', 'sg-3', 'sg-1', 'sg-4']);
    expect((await search({ status: 'any' })).items.find((s) => s.id === 'sg-4')).toMatchObject({
      compensatingSince: null,
    });
    expect(searchQuery.safeParse({ sort: 'loudest' }).success).toBe(false);
  });
});
