import { type LocalRedisCluster, startLocalRedisCluster } from '@edge/testkit';
import { afterAll, beforeAll } from 'vitest';
import { describeKeyStoreContract, redisKeyStores } from './key-store-contract';
import { describeRateLimitContract } from './rate-limit-contract';

// The gateway's Redis uses on a real three-master cluster, through the same contracts as on
// one node: gateways configured with REDIS_CLUSTER_NODES only, the key store on a cluster client.
let cluster: LocalRedisCluster;
beforeAll(async () => {
  cluster = await startLocalRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describeRateLimitContract('redis cluster', () => cluster.env);

// The target is known only once the cluster runs, so the factory reads it when called.
describeKeyStoreContract('redis cluster', () => redisKeyStores(cluster.target)());
