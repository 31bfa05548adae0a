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
