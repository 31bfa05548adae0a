import { createLogger, type RedisClient } from '@edge/common';
import { createProductReadModel, Projector, rebuildReadModel } from '@edge/projection';
import {
  createRedisProductEvents,
  type ServicesMock,
  startServicesMock,
} from '@edge/services-mock';
import { waitUntil } from '@edge/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteTestKeys, dumpNamespace, type TestNames, testNames } from './test-redis';

const log = createLogger({ service: 'projection-test', level: 'silent' });
const LAG_THRESHOLD_MS = 1_000;
const who = { actor: 'ops', reason: 'test' };

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A new connection to the Redis under test (one node or a cluster); the suite closes it. */
export type ConnectRedis = () => RedisClient;

/**
 * The read model's contract, run against every Redis topology it supports: the write side's
 * publisher, the projector, the rebuild and the BFF's read client over real connections. On a
 * cluster every script, pipeline, transaction and MGET must stay on one slot, or Redis answers
 * CROSSSLOT, so passing here on both is what the key layout promises.
 */
export function describeReadModelContract(label: string, connect: ConnectRedis): void {
  describe(`read model contract (${label})`, () => {
    let names: TestNames;
    let redis: RedisClient;
    let writerRedis: RedisClient;
    let mock: ServicesMock;
    let projector: Projector;
    let closeEvents: () => Promise<void>;

    const startProjector = async () => {
      projector = new Projector({
        redis,
        stream: names.stream,
        keys: names.keys,
        log,
        consumer: 'c-1',
        blockMs: 100,
      });
      await projector.start();
    };

    beforeEach(async () => {
      names = testNames();
      redis = connect();
      writerRedis = connect();
      const events = createRedisProductEvents({
        redis: writerRedis,
        stream: names.stream,
        log,
        heartbeatMs: 100,
      });
      closeEvents = events.close;
      mock = await startServicesMock({ logLevel: 'silent', productEvents: events });
      await startProjector();
    });

    afterEach(async () => {
      await projector.stop();
      await mock.close();
      await closeEvents();
      await deleteTestKeys(redis, names);
      await Promise.all([redis.quit(), writerRedis.quit()]);
    });

    it('a price change is visible in every view within the lag threshold', async () => {
      const reads = createProductReadModel(redis, { prefix: names.prefix, namespaceCacheMs: 0 });
      await waitUntil(
        'seed snapshot',
        async () => (await reads.getMany(['p-400'], 'web')).items[0],
        5_000,
      );
      const started = performance.now();
      const changed = await post(`${mock.urls.product}/products/p-1/price`, {
        priceCents: 4242,
        expectedVersion: 1,
        ...who,
      });
      expect(changed.status).toBe(200);
      await waitUntil(
        'new price in the read model',
        async () => {
          const [web, mobile, partner] = await Promise.all([
            reads.getMany(['p-1'], 'web'),
            reads.getMany(['p-1'], 'mobile'),
            reads.getMany(['p-1'], 'partner'),
          ]);
          const ok =
            web.items[0]?.price.amountCents === 4242 &&
            mobile.items[0]?.priceCents === 4242 &&
            partner.items[0]?.unitPrice.amountCents === 4242;
          return ok ? true : undefined;
        },
        LAG_THRESHOLD_MS,
        5,
      );
      const visibleAfterMs = performance.now() - started;
      console.info(`price change visible in the read model after ${visibleAfterMs.toFixed(1)} ms`);
      expect(visibleAfterMs).toBeLessThan(LAG_THRESHOLD_MS);
      expect(await reads.isFresh()).toBe(true);
      const batch = await reads.getMany(['p-1', 'p-nope', 'p-2'], 'mobile');
      expect(batch.misses).toEqual(['p-nope']);
      expect(batch.items.map((i) => i?.id)).toEqual(['p-1', undefined, 'p-2']);
    });

    it('replaying the whole stream rebuilds an identical read model', async () => {
      // A varied history: creations, price and stock commands, reservations, and a reset (a new
      // epoch whose versions start over), so ordering by (epoch, version) is exercised.
      await post(`${mock.urls.product}/products`, {
        idempotencyKey: 'n-1',
        name: 'Oak Desk',
        priceCents: 25_000,
        stock: 4,
        ...who,
      });
      for (let v = 1; v <= 5; v++) {
        await post(`${mock.urls.product}/products/p-9/price`, {
          priceCents: 100 * v,
          expectedVersion: v,
          ...who,
        });
      }
      mock.reset();
      await post(`${mock.urls.product}/products/p-9/stock`, {
        delta: 3,
        expectedVersion: 1,
        ...who,
      });
      await post(`${mock.urls.inventory}/reservations`, {
        idempotencyKey: 'r-1',
        orderId: 'o-1',
        items: [{ productId: 'p-10', quantity: 2 }],
      });
      await post(`${mock.urls.product}/products/p-11/price`, {
        priceCents: 777,
        expectedVersion: 1,
        ...who,
      });
      const reads = createProductReadModel(redis, { prefix: names.prefix, namespaceCacheMs: 0 });
      await waitUntil(
        'last change projected',
        async () =>
          (await reads.getMany(['p-11'], 'mobile')).items[0]?.priceCents === 777 ? true : undefined,
        5_000,
      );
      await projector.stop();
      const liveNs = (await redis.get(names.keys.ns)) ?? '';
      const live = await dumpNamespace(redis, names.prefix, liveNs);
      // 401 products: p-401 was created before the reset and stays (see docs/read-model.md).
      expect(Object.keys(live).length).toBe(401 * 4);

      const result = await rebuildReadModel({
        redis,
        stream: names.stream,
        keys: names.keys,
        log,
        dropOldAfterMs: 0,
      });
      expect(result.replaced).toBe(liveNs);
      expect(await redis.get(names.keys.ns)).toBe(result.namespace);
      expect(await dumpNamespace(redis, names.prefix, result.namespace)).toEqual(live);
      // The old namespace is gone, and the write model agrees with what the rebuilt one shows.
      expect(await dumpNamespace(redis, names.prefix, liveNs)).toEqual({});
      const p9 = (await reads.getMany(['p-9'], 'web')).items[0];
      const truth = (await (await fetch(`${mock.urls.product}/products/p-9`)).json()) as Record<
        string,
        unknown
      >;
      expect(p9).toMatchObject({
        price: { amountCents: truth['priceCents'] },
        stock: truth['stock'],
        version: 2,
      });
      await startProjector();
    });

    it('lag stays under the threshold while the projection runs and crosses it once it stops', async () => {
      const thresholdMs = 500;
      const reads = createProductReadModel(redis, {
        prefix: names.prefix,
        lagThresholdMs: thresholdMs,
        freshnessCacheMs: 0,
      });
      await waitUntil(
        'fresh read model',
        async () => ((await reads.isFresh()) ? true : undefined),
        5_000,
      );
      expect(await reads.lagMs()).toBeLessThanOrEqual(thresholdMs);
      // Heartbeats keep coming every 100 ms, but nobody applies them: lag grows on Redis's clock.
      await projector.stop();
      await waitUntil(
        'stale read model',
        async () => ((await reads.isFresh()) ? undefined : true),
        5_000,
      );
      expect(await reads.lagMs()).toBeGreaterThan(thresholdMs);
    });

    it('a redelivered batch is applied once: versions make re-application a no-op', async () => {
      const reads = createProductReadModel(redis, { prefix: names.prefix, namespaceCacheMs: 0 });
      await waitUntil(
        'seed snapshot',
        async () => (await reads.getMany(['p-400'], 'web')).items[0],
        5_000,
      );
      await projector.stop();
      const ns = (await redis.get(names.keys.ns)) ?? '';
      const before = await redis.hgetall(names.keys.meta(ns));
      // A second group replays the whole stream into the same namespace, as a crash before XACK would.
      projector = new Projector({
        redis,
        stream: names.stream,
        keys: names.keys,
        log,
        consumer: 'c-2',
        group: 'again',
        blockMs: 100,
      });
      await projector.start();
      await waitUntil('replay done', async () => (projector.isCaughtUp ? true : undefined), 5_000);
      const after = await redis.hgetall(names.keys.meta(ns));
      expect(after['applied']).toBe(before['applied']);
      expect(Number(after['skipped'])).toBeGreaterThanOrEqual(400);
    });
  });
}
