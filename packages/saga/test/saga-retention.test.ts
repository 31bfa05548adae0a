import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@edge/common';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSagaConfig } from '../src/config';
import { FileSagaStore } from '../src/file-saga-store';
import { RedisSagaStore } from '../src/redis-saga-store';
import type { Saga, SagaState } from '../src/saga';
import { DEFAULT_SAGA_RETENTION_MS } from '../src/saga-retention';
import type { SagaStore } from '../src/saga-store';

const DAY_MS = 24 * 60 * 60_000;

function newSaga(): Saga {
  const id = randomUUID();
  const at = new Date().toISOString();
  return {
    id,
    type: 'place_order',
    clientKey: `client-${id}`,
    input: { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] },
    state: { status: 'running' },
    context: { orderId: `ord-${id}` },
    history: [],
    createdAt: at,
    updatedAt: at,
    dueAt: Date.now(),
  };
}

/** Store `saga` in `state`, as its lease holder would. */
async function saveAs(store: SagaStore, saga: Saga, state: SagaState, extra: Partial<Saga> = {}) {
  const lease = await store.acquireLease(saga.id, 'test', 5_000);
  if (!lease) throw new Error('lease not granted');
  const next: Saga = { ...saga, ...extra, state, updatedAt: new Date().toISOString() };
  await store.save(next, lease, 5_000);
  await store.release(lease, null);
  return next;
}

describe('retention of finished sagas', () => {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const prefix = `test:retention:${randomUUID()}:`;
  const dirs: string[] = [];

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('the default retention is 30 days, in config and on a completed saga in Redis', async () => {
    expect(DEFAULT_SAGA_RETENTION_MS).toBe(30 * DAY_MS);
    expect(loadSagaConfig({}).retentionMs).toBe(30 * DAY_MS);
    const store = new RedisSagaStore({ redis, prefix: `${prefix}default:` });
    const saga = newSaga();
    await store.create(saga);
    const at = new Date().toISOString();
    await saveAs(store, saga, { status: 'completed' }, { history: [{ type: 'completed', at }] });
    const ttl = await redis.pttl(`${store.keyHead}saga:${saga.id}`);
    expect(await redis.pttl(`${store.keyHead}hist:${saga.id}`)).toBeGreaterThan(29 * DAY_MS);
    expect(ttl).toBeGreaterThan(29 * DAY_MS);
    expect(ttl).toBeLessThanOrEqual(30 * DAY_MS);
    expect(await redis.pttl(`${store.keyHead}saga:${saga.id}`)).toBeGreaterThan(0);
    expect(await redis.pttl(`${store.keyHead}idem:${saga.clientKey}`)).toBeGreaterThan(29 * DAY_MS);
    expect(await redis.pttl(`${store.keyHead}order:${saga.context.orderId}`)).toBeGreaterThan(
      29 * DAY_MS,
    );
  });

  it('Redis: every key and index entry of a completed saga is gone after retention; a running one stays', async () => {
    const store = new RedisSagaStore({ redis, prefix: `${prefix}short:`, retentionMs: 200 });
    const done = newSaga();
    const running = newSaga();
    await store.create(done);
    await store.create(running);
    await store.requestCancel(done.id, {
      idempotencyKey: 'c-1',
      actor: 'test',
      reason: 'test',
      at: new Date().toISOString(),
    });
    await saveAs(store, done, { status: 'completed' });
    await saveAs(store, running, { status: 'running' });

    const mentions = async (id: string) => {
      const hits: string[] = [];
      for (const key of await redis.keys(`${store.keyHead}*`)) {
        if (key.includes(id)) hits.push(key);
        const type = await redis.type(key);
        if (type === 'set' && (await redis.sismember(key, id))) hits.push(`${key} member`);
        if (type === 'zset' && (await redis.zscore(key, id)) !== null) hits.push(`${key} member`);
      }
      return hits;
    };
    expect((await mentions(done.id)).length).toBeGreaterThan(0);
    for (;;) {
      if ((await redis.exists(`${store.keyHead}saga:${done.id}`)) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await store.sweepExpired(Date.now())).toBe(1);
    expect(await mentions(done.id)).toEqual([]);
    expect(await store.get(running.id)).toBeDefined();
    expect(await store.listByStatus('completed', 10)).toEqual([]);
  });

  it('Redis: a sweeper whose clock runs ahead of the writer leaves the saga for when its keys expire', async () => {
    const store = new RedisSagaStore({ redis, prefix: `${prefix}skew:`, retentionMs: 60_000 });
    const saga = newSaga();
    await store.create(saga);
    await saveAs(store, saga, { status: 'completed' });
    // Two minutes ahead: past the expiry the writer scheduled, while Redis still holds the keys.
    expect(await store.sweepExpired(Date.now() + 120_000)).toBe(0);
    expect(await store.listByStatus('completed', 10)).toHaveLength(1);
    const due = await redis.zscore(`${store.keyHead}expiry`, saga.id);
    expect(Number(due)).toBeGreaterThan(Date.now() + 120_000);
  });

  it('Redis: cancelling a finished saga back into compensation keeps it past its retention', async () => {
    const store = new RedisSagaStore({ redis, prefix: `${prefix}revive:`, retentionMs: 60_000 });
    const saga = newSaga();
    await store.create(saga);
    const done = await saveAs(store, saga, { status: 'completed' });
    await saveAs(store, done, { status: 'compensating', cause: 'cancel', reason: 'customer' });
    expect(await redis.pttl(`${store.keyHead}saga:${saga.id}`)).toBe(-1);
    expect(await redis.pttl(`${store.keyHead}idem:${saga.clientKey}`)).toBe(-1);
  });

  it('file store: a finished saga past retention is deleted with its files and indexes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saga-retention-'));
    dirs.push(dir);
    const store = await FileSagaStore.open({ dir, retentionMs: 60_000 });
    const done = newSaga();
    const running = newSaga();
    await store.create(done);
    await store.create(running);
    await saveAs(store, done, { status: 'compensated', cause: 'failure', reason: 'test' });
    await saveAs(store, running, { status: 'running' });
    expect(await store.sweepExpired(Date.now())).toBe(0);
    expect(await store.sweepExpired(Date.now() + 60_001)).toBe(1);
    expect(await store.get(done.id)).toBeUndefined();
    expect(await store.getByOrderId(`ord-${done.id}`)).toBeUndefined();
    expect(await readdir(join(dir, 'sagas'))).toEqual([`${running.id}.json`]);
    await store.close();
    const reopened = await FileSagaStore.open({ dir, retentionMs: 60_000 });
    expect(await reopened.get(done.id)).toBeUndefined();
    await reopened.close();
  });

  it('both stores report the oldest compensation in progress', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saga-comp-'));
    dirs.push(dir);
    const file = await FileSagaStore.open({ dir });
    const stores: SagaStore[] = [new RedisSagaStore({ redis, prefix: `${prefix}comp:` }), file];
    for (const store of stores) {
      expect(await store.compensationStats()).toEqual({ pending: 0, oldestSince: null });
      const saga = newSaga();
      await store.create(saga);
      const since = '2026-01-01T00:00:00.000Z';
      const compensating = await saveAs(
        store,
        saga,
        { status: 'compensating', cause: 'failure', reason: 'test' },
        {
          history: [{ type: 'compensation_required', cause: 'failure', reason: 'test', at: since }],
        },
      );
      expect(await store.compensationStats()).toEqual({
        pending: 1,
        oldestSince: Date.parse(since),
      });
      await saveAs(store, compensating, { status: 'compensated', cause: 'failure', reason: 'x' });
      expect(await store.compensationStats()).toEqual({ pending: 0, oldestSince: null });
    }
    await file.close();
  });
});
