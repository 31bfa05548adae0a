import { createFailFastRedis } from '@edge/common';
import { type LocalRedisCluster, startLocalRedisCluster } from '@edge/testkit';
import { afterAll, beforeAll } from 'vitest';
import { createRedisKeyStore } from '../src/key-store';
import { describeKeyStoreContract } from './key-store-contract';
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

describeKeyStoreContract('redis cluster', async () => {
  const client = () => createFailFastRedis(cluster.target, { enableOfflineQueue: true });
  const writer = createRedisKeyStore(client());
  const reader = createRedisKeyStore(client());
  return {
    writer,
    reader,
    dispose: async () => {
      await writer.close();
      await reader.close();
    },
  };
});
