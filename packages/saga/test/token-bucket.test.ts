import { randomUUID } from 'node:crypto';
import { Redis } from '@edge/common';
import { afterAll } from 'vitest';
import { MemoryTokenBucket } from '../src/memory-token-bucket';
import { RedisTokenBucket } from '../src/redis-token-bucket';
import { tokenBucketContract } from './token-bucket-contract';

const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
const prefix = `test:pace:${randomUUID()}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

tokenBucketContract('in-process', async () => ({
  bucket: new MemoryTokenBucket(),
  key: (k) => k,
}));

tokenBucketContract('Redis', async () => {
  const namespace = randomUUID();
  return { bucket: new RedisTokenBucket({ redis, prefix }), key: (k) => `${namespace}:${k}` };
});
