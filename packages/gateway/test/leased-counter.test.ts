import { randomUUID } from 'node:crypto';
import { createFailFastRedis, type RedisClient } from '@edge/common';
import { deleteKeysWithPrefix, REDIS_URL, waitUntil } from '@edge/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createLeasedCounter, type LeaseOptions } from '../src/leased-counter';

const prefix = `test:lease:${randomUUID()}`;
const clients: RedisClient[] = [];

afterAll(async () => {
  const [first] = clients;
  if (first) await deleteKeysWithPrefix(first, prefix);
  for (const client of clients) client.disconnect();
});

async function readyClient(): Promise<RedisClient> {
  const client = createFailFastRedis(REDIS_URL);
  clients.push(client);
  if (client.status !== 'ready') {
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  }
  return client;
}

/** One gateway instance's view of a limit: its own Redis connection and its own leases. */
async function instance(name: string, limit: number, windowMs: number, lease: LeaseOptions) {
  let calls = 0;
  const counter = createLeasedCounter({
    ...lease,
    redis: await readyClient(),
    keyPrefix: `${prefix}:${name}`,
    limit,
    windowMs,
    onLease: () => {
      calls += 1;
    },
  });
  const admit = async (key: string): Promise<boolean> => {
    const count = await counter.consume(key, 1);
    if (count instanceof Error) throw count;
    return count.consumed <= limit;
  };
  return { counter, admit, calls: () => calls };
}

type Instance = Awaited<ReturnType<typeof instance>>;

/** Every instance asks `concurrency` at a time until it is refused; the admissions of each. */
async function drain(instances: Instance[], key: string, concurrency: number): Promise<number[]> {
  return Promise.all(
    instances.map(async (inst) => {
      let admitted = 0;
      let refused = false;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (!refused) {
            if (await inst.admit(key)) admitted += 1;
            else refused = true;
          }
        }),
      );
      return admitted;
    }),
  );
}

describe('leased limits', () => {
  for (const n of [2, 4]) {
    it(`${n} instances draining one key concurrently admit exactly the limit between them`, async () => {
      const LIMIT = 2000;
      const lease = { coverMs: 100, maxFraction: 0.05 };
      const instances = await Promise.all(
        Array.from({ length: n }, () => instance(`drain${n}`, LIMIT, 60_000, lease)),
      );
      const perInstance = await drain(instances, 'u-1', 16);
      // Each instance stops only once it holds nothing and the pool is empty: every permit
      // granted was used, and no more were granted than the limit.
      expect(perInstance.reduce((a, b) => a + b, 0)).toBe(LIMIT);
      for (const inst of instances) expect(inst.counter.heldPermits()).toBe(0);
      // Leases, not one call per request.
      const calls = instances.reduce((sum, inst) => sum + inst.calls(), 0);
      expect(calls).toBeLessThan(LIMIT / 4);
    });
  }

  it('permits held idle by one instance are lost to the others, and lapse with the window', async () => {
    const LIMIT = 20;
    // Any rate fills the largest lease (10 permits): what one instance can hold idle.
    const lease = { coverMs: 3_600_000, maxFraction: 0.5 };
    const a = await instance('lapse', LIMIT, 3_000, lease);
    const b = await instance('lapse', LIMIT, 3_000, lease);
    expect(await a.admit('k')).toBe(true); // a first lease of 1
    expect(await a.admit('k')).toBe(true); // then the largest: 10, one used
    expect(a.counter.heldPermits()).toBe(9);
    const [fromB] = await drain([b], 'k', 1);
    // b gets what is left; a's 9 idle permits are the under-admission bound at work.
    expect(fromB).toBe(LIMIT - 11);
    expect(a.counter.heldPermits()).toBe(9);

    // Once b is admitted again, Redis is in a new window: a's old permits must be gone.
    await waitUntil('a new window', () => b.admit('k'), 15_000, 25);
    let inNewWindow = 1;
    for (let open = true; open; ) {
      const [fromA, fromB2] = await Promise.all([a.admit('k'), b.admit('k')]);
      inNewWindow += Number(fromA) + Number(fromB2);
      open = fromA || fromB2;
    }
    expect(inNewWindow).toBe(LIMIT);
  });

  it('a request for more permits than held leases the difference, or is refused whole', async () => {
    const LIMIT = 10;
    const inst = await instance('multi', LIMIT, 60_000, { coverMs: 100, maxFraction: 0.1 });
    const consume = async (points: number) => {
      const count = await inst.counter.consume('k', points);
      if (count instanceof Error) throw count;
      return count;
    };
    expect((await consume(4)).consumed).toBe(4);
    expect((await consume(5)).consumed).toBe(9);
    const refused = await consume(2);
    expect(refused.consumed).toBeGreaterThan(LIMIT);
    // The refused request took nothing: the last permit is still there.
    expect((await consume(1)).consumed).toBe(LIMIT);
  });
});
