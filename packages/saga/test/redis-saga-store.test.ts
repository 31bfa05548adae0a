import { randomUUID } from 'node:crypto';
import { DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { deleteKeysWithPrefix } from '@edge/testkit';
import { afterAll } from 'vitest';
import { RedisSagaStore } from '../src/redis-saga-store';
import { describeSagaStoreContract } from './saga-store-contract';

const redis = new Redis(process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
afterAll(() => redis.quit());

describeSagaStoreContract('redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const store = new RedisSagaStore({ redis, prefix });
  return { store, dispose: () => deleteKeysWithPrefix(redis, prefix) };
});
