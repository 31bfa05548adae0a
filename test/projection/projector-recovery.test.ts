import { createLogger, type Redis } from '@edge/common';
import {
  createProductReadModel,
  loadProjectionConfig,
  type ProductReadModel,
  type ProjectionService,
  startProjectionService,
} from '@edge/projection';
import { createRedisProductEvents, type ProductEventSink } from '@edge/services-mock';
import { REDIS_URL, waitUntil } from '@edge/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { productState } from './product-states';
import { deleteTestKeys, newRedis, type TestNames, testNames } from './test-redis';

// The projection service as it ships (default settings), over the shared Redis.
const log = createLogger({ service: 'projection-test', level: 'silent' });
const who = ['ops', 'recovery test'] as const;

let names: TestNames;
let redis: Redis;
let writer: Redis;
let events: ProductEventSink;
let service: ProjectionService;
let reads: ProductReadModel;

const readyz = async () => (await fetch(`${service.server.url}/readyz`)).status;
const servedPrice = async () => (await reads.getMany(['p-1'], 'web')).items[0]?.price.amountCents;

beforeEach(async () => {
  names = testNames();
  redis = newRedis();
  writer = newRedis();
  events = createRedisProductEvents({ redis: writer, stream: names.stream, log });
  reads = createProductReadModel(redis, { prefix: names.prefix, namespaceCacheMs: 0 });
  await events.snapshot([productState(1, 1000)]);
  const config = loadProjectionConfig({
    REDIS_URL,
    PRODUCT_EVENTS_STREAM: names.stream,
    READ_MODEL_PREFIX: names.prefix,
    PROJECTION_PORT: '0',
    PROJECTION_CONSUMER: 'c-1',
  });
  service = await startProjectionService(config, log);
  await waitUntil('projection ready with the first price', async () =>
    (await readyz()) === 200 && (await servedPrice()) === 1000 ? true : undefined,
  );
});

afterEach(async () => {
  await service.close();
  await events.close();
  await deleteTestKeys(redis, names);
  await Promise.all([redis.quit(), writer.quit()]);
});

describe('projection recovery', () => {
  it('a stream deleted under the running projection (or an emptied Redis): it recreates its group and applies what follows', async () => {
    await redis.del(names.stream);
    // The write side's next XADD recreates the stream, without the group.
    await events.change('product_price_changed', productState(2, 2000), ...who);
    await waitUntil('the change after the loss applied', async () =>
      (await servedPrice()) === 2000 ? true : undefined,
    );
    expect(await readyz()).toBe(200);
  });

  it('readiness is false while reads fail, and true again once they succeed', async () => {
    // The stream key replaced by a string: every read of the group fails (WRONGTYPE).
    await redis.set(names.stream, 'not a stream');
    await waitUntil('not ready while reads fail', async () =>
      (await readyz()) === 503 ? true : undefined,
    );
    await redis.del(names.stream);
    await events.change('product_price_changed', productState(2, 2000), ...who);
    await waitUntil('ready again with the change applied', async () =>
      (await readyz()) === 200 && (await servedPrice()) === 2000 ? true : undefined,
    );
  });
});
