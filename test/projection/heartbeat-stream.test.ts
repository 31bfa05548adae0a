import { encodeProductEvent, productHeartbeatStreamKey } from '@edge/catalog-events';
import { createLogger, type Redis } from '@edge/common';
import { createProductReadModel, Projector } from '@edge/projection';
import { createRedisProductEvents } from '@edge/services-mock';
import { waitUntil } from '@edge/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deleteTestKeys, newRedis, type TestNames, testNames } from './test-redis';

const log = createLogger({ service: 'projection-test', level: 'silent' });

let names: TestNames;
let redis: Redis;

beforeEach(() => {
  names = testNames();
  redis = newRedis();
});

afterEach(async () => {
  await deleteTestKeys(redis, names);
  await redis.quit();
});

it('heartbeats keep one entry in their own stream, never grow the product stream, and still make the read model fresh', async () => {
  const writer = newRedis();
  const connection = newRedis();
  // heartbeatMs 0: the test beats by hand, so the count is exact.
  const events = createRedisProductEvents({
    redis: writer,
    stream: names.stream,
    log,
    heartbeatMs: 0,
  });
  const projector = new Projector({
    redis: connection,
    stream: names.stream,
    keys: names.keys,
    log,
    consumer: 'c-1',
  });
  try {
    await projector.start();
    for (let i = 0; i < 50; i++) await events.heartbeat();
    expect(await redis.xlen(names.stream)).toBe(0);
    expect(await redis.xlen(productHeartbeatStreamKey(names.stream))).toBe(1);
    const reads = createProductReadModel(redis, { prefix: names.prefix });
    await waitUntil('fresh from the last beat', async () =>
      (await reads.isFresh()) ? true : undefined,
    );
  } finally {
    await projector.stop();
    await events.close();
    await Promise.all([writer.quit(), connection.quit()]);
  }
});

it('a beat an older write side wrote into the product stream still makes the read model fresh', async () => {
  const connection = newRedis();
  const projector = new Projector({
    redis: connection,
    stream: names.stream,
    keys: names.keys,
    log,
    consumer: 'c-1',
  });
  try {
    await projector.start();
    await redis.xadd(
      names.stream,
      '*',
      ...encodeProductEvent({ type: 'heartbeat', at: new Date().toISOString() }),
    );
    const reads = createProductReadModel(redis, { prefix: names.prefix });
    await waitUntil('fresh from the in-stream beat', async () =>
      (await reads.isFresh()) ? true : undefined,
    );
  } finally {
    await projector.stop();
    await connection.quit();
  }
});
