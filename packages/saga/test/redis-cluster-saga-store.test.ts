import { randomUUID } from 'node:crypto';
import { createRedisClient, type RedisClient, redisNodes } from '@edge/common';
import {
  deleteKeysWithPrefix,
  type LocalRedisCluster,
  startLocalRedisCluster,
} from '@edge/testkit';
import { afterAll, beforeAll } from 'vitest';
import { RedisSagaStore } from '../src/redis-saga-store';
import { describeSagaStoreContract } from './saga-store-contract';

// The same contract as on one node, on a real three-master cluster: every script, transaction
// and pipeline of the store must stay on one slot, or the cluster answers CROSSSLOT.
let cluster: LocalRedisCluster;
let redis: RedisClient;
beforeAll(async () => {
  cluster = await startLocalRedisCluster();
  redis = createRedisClient(cluster.target, { maxRetriesPerRequest: 20 });
});
afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

describeSagaStoreContract('redis cluster', async () => {
  const prefix = `test:${randomUUID()}:`;
  const store = new RedisSagaStore({ redis, prefix });
  return {
    store,
    dispose: async () => {
      for (const node of redisNodes(redis)) await deleteKeysWithPrefix(node, prefix);
    },
  };
});
