import { randomUUID } from 'node:crypto';
import { Redis } from '@edge/common';
import { afterAll, describe, expect, it } from 'vitest';
import { trimOrderStream } from '../src/order-stream-trim';

describe('OrderConfirmed stream cap', () => {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const key = `test:trim:${randomUUID()}:events`;

  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  async function add(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await redis.xadd(key, '*', 'n', String(i))) as string);
    return ids;
  }

  it('caps at maxLen, but never below the oldest entry a consumer group has not processed', async () => {
    const ids = await add(20);
    await redis.xgroup('CREATE', key, 'projection', '0');
    // The group reads 8 entries and acknowledges the first 6: entries 6 and 7 stay pending.
    await redis.xreadgroup('GROUP', 'projection', 'c1', 'COUNT', 8, 'STREAMS', key, '>');
    await redis.xack(key, 'projection', ...ids.slice(0, 6));

    expect(await trimOrderStream(redis, key, 5)).toBe(6);
    const kept = (await redis.xrange(key, '-', '+')).map(([id]) => id);
    expect(kept).toEqual(ids.slice(6));

    // Once the group has processed everything, the cap applies.
    await redis.xreadgroup('GROUP', 'projection', 'c1', 'COUNT', 100, 'STREAMS', key, '>');
    await redis.xack(key, 'projection', ...ids);
    await trimOrderStream(redis, key, 5);
    expect((await redis.xrange(key, '-', '+')).map(([id]) => id)).toEqual(ids.slice(15));
  });

  it('without consumer groups the cap alone applies; a short stream is left alone', async () => {
    const other = `${key}:plain`;
    for (let i = 0; i < 12; i++) await redis.xadd(other, '*', 'n', String(i));
    expect(await trimOrderStream(redis, other, 20)).toBe(0);
    expect(await trimOrderStream(redis, other, 10)).toBe(2);
    expect(await redis.xlen(other)).toBe(10);
    await redis.del(other);
  });
});
