import { randomUUID } from 'node:crypto';
import { createLogger, Redis } from '@edge/common';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLeaderLease } from '../src/leader-lease';

const log = createLogger({ service: 'test', level: 'silent' });

/** Poll `check` until it holds; the lease renews on its own timer. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

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
    await until('a leader', () => a.isLeader() || b.isLeader());
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, other] = a.isLeader() ? [a, b] : [b, a];

    await leader.stop();
    expect(leader.isLeader()).toBe(false);
    await until('the other to take over', () => other.isLeader());
    expect(await redis.get(key)).toBe(other === a ? 'a' : 'b');
    await other.stop();
    expect(await redis.exists(key)).toBe(0);
  });
});
