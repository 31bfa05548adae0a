import { randomUUID } from 'node:crypto';
import { DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { afterAll } from 'vitest';
import { RedisSagaStore } from './redis-saga-store';
import { describeSagaStoreContract } from './saga-store-contract';
import { deleteKeysWithPrefix } from './test-redis';

const redis = new Redis(process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
afterAll(() => redis.quit());

describeSagaStoreContract('redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const store = new RedisSagaStore({ redis, prefix });
  return { store, dispose: () => deleteKeysWithPrefix(redis, prefix) };
});
