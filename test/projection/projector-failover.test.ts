import { streamIdMs } from '@edge/catalog-events';
import { createLogger, type Redis } from '@edge/common';
import {
  createProductReadModel,
  DEFAULT_PROJECTOR_OPTIONS,
  DEFAULT_READ_MODEL_OPTIONS,
  type ProductReadModel,
  Projector,
} from '@edge/projection';
import { createRedisProductEvents, type ProductEventSink } from '@edge/services-mock';
import { waitUntil } from '@edge/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { productState } from './product-states';
import { deleteTestKeys, newRedis, type TestNames, testNames } from './test-redis';

// Every setting here is the shipped default: heartbeat every 2 s, 5 s fallback threshold with
// its 1 s answer cache, 500 ms block and 10 s claim idle for the projector.
const log = createLogger({ service: 'projection-test', level: 'silent' });
const who = ['ops', 'failover test'] as const;

let names: TestNames;
let redis: Redis;
let connections: Redis[];
let replicas: Projector[];
let events: ProductEventSink;
let reads: ProductReadModel;

const startReplica = async (consumer: string): Promise<Projector> => {
  const connection = newRedis();
  connections.push(connection);
  const replica = new Projector({
    redis: connection,
    stream: names.stream,
    keys: names.keys,
    log,
    consumer,
  });
  await replica.start();
  replicas.push(replica);
  return replica;
};

const servedPrice = async (id = 'p-1') =>
  (await reads.getMany([id], 'web')).items[0]?.price.amountCents;

const redisNowMs = async () => {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

beforeEach(async () => {
  names = testNames();
  redis = newRedis();
  connections = [newRedis()];
  replicas = [];
  events = createRedisProductEvents({ redis: connections[0] as Redis, stream: names.stream, log });
  reads = createProductReadModel(redis, { prefix: names.prefix });
  await events.snapshot([productState(1, 1000)]);
});

afterEach(async () => {
  for (const replica of replicas) await replica.stop();
  await events.close();
  await deleteTestKeys(redis, names);
  await Promise.all([redis, ...connections].map((c) => c.quit()));
});

describe('projector replicas', () => {
  it('a change held by a dead replica makes the read model stale within the threshold, then a live replica applies it', async () => {
    const first = await startReplica('b');
    await waitUntil('first price served fresh', async () =>
      (await reads.isFresh()) && (await servedPrice()) === 1000 ? true : undefined,
    );
    await first.stop();
    await events.change('product_price_changed', productState(2, 2000), ...who);
    // Replica "a" reads the change and dies before it acks: what a killed, SIGSTOPped or
    // partitioned replica leaves behind. Then "b" runs on alone.
    const taken = (await redis.xreadgroup(
      'GROUP',
      DEFAULT_PROJECTOR_OPTIONS.group,
      'a',
      'STREAMS',
      names.stream,
      '>',
    )) as [string, [string, string[]][]][];
    const changeId = taken[0]?.[1][0]?.[0] ?? '';
    expect(changeId).not.toBe('');
    await startReplica('b');

    // Whenever the read model answers fresh while the change is unapplied, the change must be
    // younger than the threshold (its age read on Redis's clock before the answer).
    const threshold = DEFAULT_READ_MODEL_OPTIONS.lagThresholdMs;
    const fellBack = await waitUntil(
      'stale read model (or the change applied)',
      async () => {
        const age = (await redisNowMs()) - streamIdMs(changeId);
        const fresh = await reads.isFresh();
        if ((await servedPrice()) === 2000) return 'applied';
        if (fresh) expect(age).toBeLessThanOrEqual(threshold);
        return fresh ? undefined : 'stale';
      },
      60_000,
    );
    expect(fellBack).toBe('stale');

    // "b" takes the change over once it has been idle claimIdleMs, and is fresh with it.
    await waitUntil(
      'the held change applied by the live replica',
      async () => ((await servedPrice()) === 2000 && (await reads.isFresh()) ? true : undefined),
      DEFAULT_PROJECTOR_OPTIONS.claimIdleMs + 30_000,
      200,
    );
    const [pending] = (await redis.xpending(names.stream, DEFAULT_PROJECTOR_OPTIONS.group)) as [
      number,
    ];
    expect(pending).toBe(0);
  });

  it('a batch whose write failed is applied again before anything newer', async () => {
    const replica = await startReplica('b');
    await waitUntil('first price served', async () =>
      (await servedPrice()) === 1000 ? true : undefined,
    );
    const ns = (await redis.get(names.keys.ns)) ?? '';
    // The live-namespace key of the wrong type makes every write of the read model fail.
    await redis.del(names.keys.ns);
    await redis.hset(names.keys.ns, 'broken', '1');
    await events.change('product_price_changed', productState(2, 2000), ...who);
    await waitUntil('the batch failed', () => (replica.isReady ? undefined : true));
    await redis.del(names.keys.ns);
    await redis.set(names.keys.ns, ns);

    await events.change('product_created', productState(1, 500, 'p-2'), ...who);
    await waitUntil('the newer change served', async () =>
      (await servedPrice('p-2')) === 500 ? true : undefined,
    );
    expect(await servedPrice()).toBe(2000);
    await waitUntil('ready again', () => (replica.isReady ? true : undefined));
  });
});
