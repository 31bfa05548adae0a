import { describe, expect, it } from 'vitest';
import type { StaleMark } from '../src/call-options';
import { StaleCache } from '../src/stale-cache';
import { UpstreamError } from '../src/upstream-error';
import { createUpstreamMetrics } from '../src/upstream-metrics';
import { withStaleBatch, withStaleCache } from '../src/with-stale-cache';

const down = new UpstreamError(
  'product',
  0,
  'product: breaker open',
  undefined,
  undefined,
  'breaker_open',
);

describe('withStaleBatch', () => {
  it('serves each id its own last good value after a failure, and reports it as stale', async () => {
    let now = 1000;
    const metrics = createUpstreamMetrics();
    const cache = new StaleCache<{ id: string }>({ service: 'product', metrics, now: () => now });
    let fail = false;
    const read = withStaleBatch(async (ids: readonly string[]) => {
      if (fail) throw down;
      return ids.map((id) => ({ id }));
    }, cache);
    const marks: StaleMark[] = [];
    const call = { headers: {}, onStale: (m: StaleMark) => marks.push(m) };

    await read(['p-1', 'p-2'], call);
    await read(['p-3'], call);
    expect(marks).toEqual([]);
    fail = true;
    now = 1500;
    // A batch mixing ids differently still finds each one; an id never seen gets the failure.
    const answer = await read(['p-3', 'p-1', 'p-9'], call);
    expect(answer).toEqual([{ id: 'p-3' }, { id: 'p-1' }, down]);
    expect(marks).toEqual([
      { service: 'product', ageMs: 500 },
      { service: 'product', ageMs: 500 },
    ]);
    const counts = (await metrics.staleCache.get()).values.map((v) => [
      v.labels['result'],
      v.value,
    ]);
    expect(Object.fromEntries(counts)).toEqual({ hit: 2, miss: 1 });
  });

  it('values older than the maximum age are not served', async () => {
    let now = 0;
    const cache = new StaleCache<{ id: string }>({
      service: 'product',
      maxAgeMs: 100,
      now: () => now,
    });
    let fail = false;
    const read = withStaleBatch(async (ids: readonly string[]) => {
      if (fail) throw down;
      return ids.map((id) => ({ id }));
    }, cache);
    await read(['p-1'], { headers: {} });
    fail = true;
    now = 101;
    expect(await read(['p-1'], { headers: {} })).toEqual([down]);
  });

  it('the cache is bounded: the least recently used value goes first', async () => {
    const cache = new StaleCache<number>({ service: 'user', maxEntries: 2 });
    cache.remember('a', 1);
    cache.remember('b', 2);
    cache.recall('a');
    cache.remember('c', 3);
    expect(cache.recall('b')).toBeUndefined();
    expect(cache.recall('a')?.value).toBe(1);
    expect(cache.recall('c')?.value).toBe(3);
  });
});

describe('withStaleCache', () => {
  it("one caller varying its keys replaces only its own values: another caller's last good value survives, and a value both remembered stays", async () => {
    const cache = new StaleCache<{ page: number }>({
      service: 'order',
      maxEntries: 10,
      maxEntriesPerCaller: 3,
    });
    let fail = false;
    const read = withStaleCache(
      async (page: number) => {
        if (fail) throw down;
        return { page };
      },
      cache,
      (page) => `first=${page}`,
    );
    const victim = { headers: {}, caller: 'user:victim' };
    const flood = { headers: {}, caller: 'user:flood' };
    await read(1, victim);
    await read(2, flood);
    await read(2, victim);
    // Fifty page sizes from one caller, five times the whole cache.
    for (let page = 3; page <= 52; page++) await read(page, flood);
    fail = true;
    // Before, the least recently used of everyone went first: the victim's pages with them.
    await expect(read(1, victim)).resolves.toEqual({ page: 1 });
    await expect(read(2, victim)).resolves.toEqual({ page: 2 });
    await expect(read(52, flood)).resolves.toEqual({ page: 52 });
    await expect(read(50, flood)).resolves.toEqual({ page: 50 });
    await expect(read(49, flood)).rejects.toBe(down);
  });

  it('a 4xx answer is passed through, never replaced by a stale value', async () => {
    const cache = new StaleCache<string>({ service: 'order' });
    let status = 0;
    const read = withStaleCache(
      async (key: string) => {
        if (status) throw new UpstreamError('order', status, 'failed');
        return `value of ${key}`;
      },
      cache,
      (key) => key,
    );
    expect(await read('k', { headers: {} })).toBe('value of k');
    status = 400;
    await expect(read('k', { headers: {} })).rejects.toMatchObject({ status: 400 });
    status = 503;
    expect(await read('k', { headers: {} })).toBe('value of k');
  });
});

describe('StaleCache bounds', () => {
  it('counts a page by the records it holds: pages that vary only in their key cannot fill it', () => {
    const cache = new StaleCache<{ items: { id: string }[] }>({
      service: 'product',
      maxRecords: 1_000,
    });
    const page = (n: number) => ({
      items: Array.from({ length: 100 }, (_, i) => ({ id: `p-${n}-${i}` })),
    });
    for (let n = 0; n < 50; n++) cache.remember(`100:search ${n}`, page(n));
    const kept = Array.from({ length: 50 }, (_, n) => cache.recall(`100:search ${n}`)).filter(
      (hit) => hit !== undefined,
    );
    expect(kept).toHaveLength(10);
    expect(cache.recall('100:search 49')).toBeDefined();
    expect(cache.recall('100:search 0')).toBeUndefined();
  });
});
