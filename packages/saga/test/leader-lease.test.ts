import { randomUUID } from 'node:crypto';
import { createLogger, Redis } from '@edge/common';
import { waitUntil } from '@edge/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLeaderLease } from '../src/leader-lease';

const log = createLogger({ service: 'test', level: 'silent' });

describe('leader lease among saga processes', () => {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const key = `test:leader:${randomUUID()}`;

  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('exactly one of two holds the lease; when it stops, the other takes over', async () => {
    const options = { redis, key, ttlMs: 900, log };
    const a = new RedisLeaderLease({ ...options, owner: 'a' });
    const b = new RedisLeaderLease({ ...options, owner: 'b' });
    await waitUntil('a leader', () => a.isLeader() || b.isLeader(), 20_000);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, other] = a.isLeader() ? [a, b] : [b, a];

    await leader.stop();
    expect(leader.isLeader()).toBe(false);
    await waitUntil('the other to take over', () => other.isLeader(), 20_000);
    expect(await redis.get(key)).toBe(other === a ? 'a' : 'b');
    await other.stop();
    expect(await redis.exists(key)).toBe(0);
  });
});
