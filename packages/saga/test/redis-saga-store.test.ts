import { randomUUID } from 'node:crypto';
import { createLogger, DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { deleteKeysWithPrefix } from '@edge/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSagaStore } from '../src/redis-saga-store';
import type { Saga } from '../src/saga';
import { SagaEngine } from '../src/saga-engine';
import { resolvePolicies } from '../src/saga-policies';
import { InMemoryProviders } from './in-memory-providers';
import { describeSagaStoreContract } from './saga-store-contract';

const redis = new Redis(process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
afterAll(() => redis.quit());

describeSagaStoreContract('redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const store = new RedisSagaStore({ redis, prefix });
  return { store, dispose: () => deleteKeysWithPrefix(redis, prefix) };
});

describe('redis SagaStore: records written before history lists', () => {
  it('a saga in flight in the one-JSON layout is resumed, re-sends its step once, and is rewritten as head and history', async () => {
    const prefix = `test:${randomUUID()}:`;
    const store = new RedisSagaStore({ redis, prefix });
    const at = new Date().toISOString();
    const input = { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] };
    const id = `sg-${randomUUID()}`;
    // As the store wrote it before: the whole record in `json`, then the worker died mid-call.
    const legacy: Saga = {
      id,
      type: 'place_order',
      clientKey: `legacy-${id}`,
      input,
      state: { status: 'running' },
      context: {},
      history: [
        { type: 'saga_created', clientKey: `legacy-${id}`, input, at },
        {
          type: 'step_started',
          step: 'create_order',
          attempt: 1,
          idempotencyKey: `${id}:create_order`,
          at,
        },
      ],
      createdAt: at,
      updatedAt: at,
      dueAt: Date.now(),
    };
    const head = store.keyHead;
    await redis
      .multi()
      .set(`${head}idem:${legacy.clientKey}`, id)
      .hset(`${head}saga:${id}`, 'json', JSON.stringify(legacy), 'status', 'running')
      .sadd(`${head}state:running`, id)
      .zadd(`${head}due`, Date.now(), id)
      .exec();
    try {
      expect(await store.get(id)).toEqual(legacy);
      const providers = new InMemoryProviders();
      const policies = resolvePolicies({});
      const log = createLogger({ service: 'saga-test', level: 'silent' });
      const engine = new SagaEngine({ store, providers, policies, log });
      expect(await engine.drive(id)).toBe('idle');
      const done = await store.get(id);
      expect(done?.state.status).toBe('completed');
      expect(done?.history.slice(0, 2)).toEqual(legacy.history);
      expect(providers.countEffects('POST /orders')).toBe(1);
      expect(await redis.hexists(`${head}saga:${id}`, 'json')).toBe(0);
      expect(await redis.llen(`${head}hist:${id}`)).toBe(done?.history.length);
      expect(await store.claimDue(Date.now() + 60_000, 10, 'x', 1_000)).toEqual([]);
    } finally {
      await deleteKeysWithPrefix(redis, prefix);
    }
  });
});

describe('redis SagaStore: a write sent twice', () => {
  // ioredis re-sends a command the connection dropped before it was answered.
  it('leaves the history as one write would, for appended and replaced events alike', async () => {
    const prefix = `test:${randomUUID()}:`;
    const store = new RedisSagaStore({ redis, prefix });
    const at = new Date().toISOString();
    const input = { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] };
    const id = `sg-${randomUUID()}`;
    const key = (step: string) => `${id}:${step}`;
    const created: Saga = {
      id,
      type: 'place_order',
      clientKey: `twice-${id}`,
      input,
      state: { status: 'running' },
      context: {},
      history: [{ type: 'saga_created', clientKey: `twice-${id}`, input, at }],
      createdAt: at,
      updatedAt: at,
      dueAt: Date.now(),
    };
    const withEvents = (saga: Saga, events: Saga['history']): Saga => ({
      ...saga,
      history: [...saga.history, ...events],
    });
    try {
      const claim = (await store.create(created, { owner: 'w-1', ttlMs: 60_000 })).claim;
      if (!claim) throw new Error('not claimed');
      const save = (next: Saga, previous: Saga) =>
        store.save(next, claim.lease, 60_000, [], previous);
      const started = withEvents(created, [
        { type: 'step_started', step: 'create_order', attempt: 1, idempotencyKey: key('o'), at },
      ]);
      await save(started, created);
      // A step's write: its outcome and the next step's start, appended.
      const next = withEvents(started, [
        {
          type: 'step_succeeded',
          step: 'create_order',
          attempt: 1,
          idempotencyKey: key('o'),
          at,
          answer: { status: 201, body: {} },
        },
        {
          type: 'step_started',
          step: 'reserve_inventory',
          attempt: 1,
          idempotencyKey: key('r'),
          at,
        },
      ]);
      await save(next, started);
      await save(next, started);
      expect((await store.get(id))?.history).toEqual(next.history);
      // The pacing refused that call: its deferral replaces the start.
      const deferred = withEvents({ ...next, history: next.history.slice(0, -1) }, [
        {
          type: 'call_deferred',
          step: 'reserve_inventory',
          attempt: 1,
          reason: 'paced',
          delayMs: 100,
          dueAt: at,
          times: 1,
          since: at,
          at,
        },
      ]);
      await save(deferred, next);
      await save(deferred, next);
      expect((await store.get(id))?.history).toEqual(deferred.history);
    } finally {
      await deleteKeysWithPrefix(redis, prefix);
    }
  });
});
