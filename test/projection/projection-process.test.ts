import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProductEvent } from '@edge/catalog-events';
import { freeMockPortsEnv, type Redis } from '@edge/common';
import { createProductReadModel } from '@edge/projection';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { REDIS_URL, startWebhookReceiver, type WebhookReceiver, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTestKeys, newRedis, testNames } from './test-redis';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAG_THRESHOLD_MS = 1_500;
const who = { actor: 'ops', reason: 'crash test' };

let names: ReturnType<typeof testNames>;
let redis: Redis;
let webhook: WebhookReceiver;
let mock: ManagedProcess;
let productUrl: string;
let projection: ManagedProcess | undefined;

const shared = () => ({
  REDIS_URL,
  STORE_MODE: 'redis',
  LOG_LEVEL: 'info',
  PRODUCT_EVENTS_STREAM: names.stream,
  READ_MODEL_PREFIX: names.prefix,
});

const startProjection = () =>
  spawnService({
    name: 'projection',
    entry: join(ROOT, 'packages/projection/src/main.ts'),
    cwd: ROOT,
    env: {
      ...shared(),
      PROJECTION_PORT: '0',
      PROJECTION_CONSUMER: 'c-1',
      PROJECTION_BLOCK_MS: '100',
    },
  });

const setPrice = async (id: string, priceCents: number, expectedVersion: number) => {
  const res = await fetch(`${productUrl}/products/${id}/price`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ priceCents, expectedVersion, ...who }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { version: number };
};

beforeAll(async () => {
  names = testNames();
  redis = newRedis();
  webhook = await startWebhookReceiver();
  mock = await spawnService({
    name: 'services-mock',
    entry: join(ROOT, 'packages/services-mock/src/main.ts'),
    cwd: ROOT,
    readyMessage: 'services-mock ready',
    env: {
      ...shared(),
      // Every service on a free port: a fixed one collides with a stack running on this machine.
      ...freeMockPortsEnv(),
      PRODUCT_HEARTBEAT_MS: '200',
      PROJECTION_LAG_THRESHOLD_MS: String(LAG_THRESHOLD_MS),
      PROJECTION_LAG_INTERVAL_MS: '100',
      ALERT_WEBHOOK_URL: webhook.url,
    },
  });
  const ports = mock.ready['ports'] as Record<string, number>;
  productUrl = `http://127.0.0.1:${ports['product']}`;
  projection = await startProjection();
});

afterAll(async () => {
  await projection?.stop();
  await mock.stop();
  await webhook.close();
  await deleteTestKeys(redis, names);
  await redis.quit();
});

describe('projection as a real process', () => {
  it('kill -9 and restart: catches up with no event lost or applied twice; the lag alert fires while down and clears after', async () => {
    const reads = createProductReadModel(redis, {
      prefix: names.prefix,
      namespaceCacheMs: 0,
      freshnessCacheMs: 0,
      lagThresholdMs: LAG_THRESHOLD_MS,
    });
    await waitUntil(
      'projection fresh',
      async () => ((await reads.isFresh()) ? true : undefined),
      10_000,
    );

    // Changes keep flowing while the projection dies mid-stream.
    const versions = new Map<string, number>();
    const ids = Array.from({ length: 20 }, (_, i) => `p-${i + 1}`);
    const writeRound = async (round: number) => {
      for (const id of ids) {
        const answer = await setPrice(id, 1000 + round, versions.get(id) ?? 1);
        versions.set(id, answer.version);
      }
    };
    await writeRound(1);
    const writes = (async () => {
      for (let round = 2; round <= 6; round++) await writeRound(round);
    })();
    // kill -9 while events are arriving, so some are read and never acked.
    await new Promise((resolve) => setTimeout(resolve, 30));
    await projection?.kill();
    projection = undefined;
    await writes;

    // Under CPU starvation the lag may already have crossed the threshold before the kill, so
    // the check is on the state while down: the latest alert is firing and readers see stale.
    const firing = await waitUntil(
      'lag alert firing while the projection is down',
      async () => {
        const last = webhook.received.at(-1)?.body;
        return last?.['state'] === 'firing' && !(await reads.isFresh()) ? last : undefined;
      },
      LAG_THRESHOLD_MS + 5_000,
      50,
    );
    expect(firing).toMatchObject({ alert: 'projection_lag', projection: 'products' });
    expect(firing['lagSeconds']).toBeGreaterThan(LAG_THRESHOLD_MS / 1000);
    const metrics = await (await fetch(`${productUrl}/metrics`)).text();
    expect(metrics).toMatch(/projection_lag_seconds\{projection="products"[^}]*\} \d/);

    const alertsBeforeRestart = webhook.received.length;
    projection = await startProjection();
    await waitUntil(
      'lag alert resolved',
      async () =>
        webhook.received.slice(alertsBeforeRestart).find((a) => a.body['state'] === 'resolved'),
      10_000,
      50,
    );
    expect(await reads.isFresh()).toBe(true);

    // Every product shows the write model's last state.
    const web = await reads.getMany(ids, 'web');
    expect(web.misses).toEqual([]);
    expect(web.items.map((p) => [p?.id, p?.price.amountCents, p?.version])).toEqual(
      ids.map((id) => [id, 1006, versions.get(id)]),
    );
    // Exactly once: each product event of the stream was applied one time, none skipped as new.
    const entries = (await redis.xrange(names.stream, '-', '+')).map(([, fields]) =>
      decodeProductEvent(fields),
    );
    const productEvents = entries.filter((e) => e !== undefined && e.type !== 'heartbeat').length;
    const ns = (await redis.get(names.keys.ns)) ?? '';
    const meta = await redis.hgetall(names.keys.meta(ns));
    expect(productEvents).toBe(400 + ids.length * 6);
    expect(Number(meta['applied'])).toBe(productEvents);
    // Heartbeats keep arriving, so an entry can be in flight (read, not yet acked) at any
    // instant; what must never happen is one that stays pending.
    await waitUntil(
      'no entry left pending',
      async () => {
        const [count] = (await redis.xpending(names.stream, 'products-projection')) as [number];
        return count === 0 ? true : undefined;
      },
      5_000,
    );
  });
});
