import { EVENT_FIELD } from '@edge/catalog-events';
import { createLogger, type Redis } from '@edge/common';
import {
  createProductReadModel,
  loadProjectionConfig,
  type ProductReadModel,
  type ProjectionService,
  Projector,
  startProjectionService,
} from '@edge/projection';
import { createRedisProductEvents, type ProductEventSink } from '@edge/services-mock';
import { REDIS_URL, waitUntil } from '@edge/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { productState } from './product-states';
import { deleteTestKeys, newRedis, type TestNames, testNames } from './test-redis';

const log = createLogger({ service: 'projection-test', level: 'silent' });
const who = ['ops', 'poison test'] as const;

let names: TestNames;
let redis: Redis;
let writer: Redis;
let events: ProductEventSink;
let reads: ProductReadModel;

/** An entry the projection cannot decode, appended as a write side with another shape would. */
const appendRaw = (text: string) => redis.xadd(names.stream, '*', EVENT_FIELD, text);

const served = async (id: string) => (await reads.getMany([id], 'web')).items[0]?.price.amountCents;

const liveMeta = async () => redis.hgetall(names.keys.meta((await redis.get(names.keys.ns)) ?? ''));

beforeEach(async () => {
  names = testNames();
  redis = newRedis();
  writer = newRedis();
  events = createRedisProductEvents({ redis: writer, stream: names.stream, log });
  reads = createProductReadModel(redis, { prefix: names.prefix, namespaceCacheMs: 0 });
  await events.snapshot([productState(1, 1000, 'p-1'), productState(1, 700, 'p-2')]);
});

afterEach(async () => {
  await events.close();
  await deleteTestKeys(redis, names);
  await Promise.all([redis.quit(), writer.quit()]);
});

describe('undecodable product events', () => {
  let service: ProjectionService;

  beforeEach(async () => {
    const config = loadProjectionConfig({
      REDIS_URL,
      PRODUCT_EVENTS_STREAM: names.stream,
      READ_MODEL_PREFIX: names.prefix,
      PROJECTION_PORT: '0',
      PROJECTION_CONSUMER: 'c-1',
    });
    service = await startProjectionService(config, log);
    await waitUntil('snapshot served', async () =>
      (await served('p-1')) === 1000 && (await served('p-2')) === 700 ? true : undefined,
    );
  });

  afterEach(async () => {
    await service.close();
  });

  it('are kept as dead letters and counted, and the product they name reads from the service until a change decodes', async () => {
    // Counted from zero: an increase() over a series that appears at 1 would miss the first one.
    const before = await (await fetch(`${service.server.url}/metrics`)).text();
    expect(before).toMatch(/projection_events_total\{[^}]*result="invalid"[^}]*\} 0\n/);
    // A price as a string (a write side on a newer shape), then text that is not JSON at all.
    const newShape = JSON.stringify({
      type: 'product_price_changed',
      epoch: 1,
      actor: 'ops',
      reason: 'new shape',
      at: new Date().toISOString(),
      product: { ...productState(2, 0, 'p-1'), priceCents: '2000' },
    });
    const first = await appendRaw(newShape);
    const second = await appendRaw('{not json');
    const kept = await waitUntil('both kept as dead letters', async () => {
      const entries = await redis.xrange(names.keys.deadLetters, '-', '+');
      return entries.length === 2 ? entries : undefined;
    });
    expect(kept.map(([, fields]) => fields)).toEqual([
      ['entry', first, 'product', 'p-1', 'event', newShape],
      ['entry', second, 'product', '', 'event', '{not json'],
    ]);
    // The old price is no longer served as if nothing had happened: p-1 misses (the BFFs ask
    // the service for it); p-2 is untouched.
    expect(await served('p-1')).toBeUndefined();
    expect(await served('p-2')).toBe(700);
    const metrics = await (await fetch(`${service.server.url}/metrics`)).text();
    expect(metrics).toMatch(/projection_events_total\{[^}]*result="invalid"[^}]*\} 2\n/);

    // A redelivered older event cannot bring the old views back: the stored version stays.
    await events.change('product_price_changed', productState(1, 1000, 'p-1'), ...who);
    await waitUntil('older event skipped', async () =>
      (await liveMeta())['skipped'] === '1' ? true : undefined,
    );
    expect(await served('p-1')).toBeUndefined();
    // The next change that decodes shows again.
    await events.change('product_price_changed', productState(3, 3000, 'p-1'), ...who);
    await waitUntil('next decodable change served', async () =>
      (await served('p-1')) === 3000 ? true : undefined,
    );
  });
});

describe('dead letters', () => {
  it('are capped: the oldest are dropped first', async () => {
    // A cap of 2 instead of the default 1000, so the test need not write a thousand entries.
    const connection = newRedis();
    const projector = new Projector({
      redis: connection,
      stream: names.stream,
      keys: names.keys,
      log,
      consumer: 'c-1',
      maxDeadLetters: 2,
    });
    await projector.start();
    try {
      for (const text of ['one', 'two', 'three']) await appendRaw(text);
      await waitUntil('all three counted', async () =>
        (await liveMeta())['invalid'] === '3' ? true : undefined,
      );
      const kept = await redis.xrange(names.keys.deadLetters, '-', '+');
      expect(kept.map(([, fields]) => fields.at(-1))).toEqual(['two', 'three']);
    } finally {
      await projector.stop();
      await connection.quit();
    }
  });
});
