import { createRedisClient, type RedisClient } from '@edge/common';
import { type LocalRedisCluster, startLocalRedisCluster } from '@edge/testkit';
import { afterAll, beforeAll } from 'vitest';
import { describeReadModelContract } from './read-model-contract';

// The same contract as on one node, on a real three-master cluster: the apply, heartbeat and
// swap scripts, the lag transaction, the publisher's pipelines and getMany's MGET must each stay
// on one slot, or the cluster answers CROSSSLOT.
let cluster: LocalRedisCluster;
beforeAll(async () => {
  cluster = await startLocalRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describeReadModelContract(
  'redis cluster',
  (): RedisClient => createRedisClient(cluster.target, { maxRetriesPerRequest: 20 }),
);
