import { randomUUID } from 'node:crypto';
import { Redis } from '@edge/common';
import { deleteKeysWithPrefix, REDIS_URL } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsumerGroup, startOrderEventsConsumer } from '../src/order-events-consumer';
import { RedisSagaStore } from '../src/redis-saga-store';
import type { OrderConfirmedEvent } from '../src/saga';

const prefix = `test-events-${randomUUID()}`;

function confirmed(i: number): OrderConfirmedEvent {
  return {
    type: 'OrderConfirmed',
    sagaId: `sg-${i}`,
    orderId: `o-${i}`,
    userId: 'u-1',
    totalCents: 100 * i,
    currency: 'USD',
    at: new Date().toISOString(),
  };
}

describe('OrderConfirmed consumers', () => {
  let redis: Redis;
  let store: RedisSagaStore;
  const connections: Redis[] = [];
  /** Each consumer holds its own connection (blocking reads); all are closed after. */
  const connection = () => {
    const c = redis.duplicate();
    connections.push(c);
    return c;
  };
  const publish = (event: OrderConfirmedEvent) =>
    redis.xadd(store.eventsKey, '*', 'type', 'OrderConfirmed', 'data', JSON.stringify(event));

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RedisSagaStore({ redis, prefix });
  });
  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('a consumer group reads every event once; the lag metric falls to zero as it catches up', async () => {
    await ensureConsumerGroup(redis, store.eventsKey, 'mailer');
    for (let i = 1; i <= 3; i++) await publish(confirmed(i));
    expect(await store.consumerLag()).toEqual({ mailer: 3 });

    const seen: string[] = [];
    const consumer = startOrderEventsConsumer({
      redis: connection(),
      stream: store.eventsKey,
      group: 'mailer',
      consumer: 'mailer-1',
      blockMs: 50,
      handle: async (event) => {
        seen.push(event.sagaId);
      },
    });
    while (seen.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await consumer.stop();
    expect(seen).toEqual(['sg-1', 'sg-2', 'sg-3']);
    expect(await store.consumerLag()).toEqual({ mailer: 0 });
  });

  it('an event whose handler failed is delivered again after a restart, then acknowledged', async () => {
    await ensureConsumerGroup(redis, store.eventsKey, 'ledger-sync');
    await publish(confirmed(4));
    const failing = startOrderEventsConsumer({
      redis: connection(),
      stream: store.eventsKey,
      group: 'ledger-sync',
      consumer: 'sync-1',
      blockMs: 50,
      handle: async () => {
        throw new Error('downstream unavailable');
      },
    });
    await expect(failing.done).rejects.toThrow('downstream unavailable');

    const seen: string[] = [];
    const restarted = startOrderEventsConsumer({
      redis: connection(),
      stream: store.eventsKey,
      group: 'ledger-sync',
      consumer: 'sync-1',
      blockMs: 50,
      handle: async (event) => {
        seen.push(event.sagaId);
      },
    });
    while (seen.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    await restarted.stop();
    // The group started at the stream's beginning: sg-1..3, then sg-4 once more after the failure.
    expect(seen).toEqual(['sg-1', 'sg-2', 'sg-3', 'sg-4']);
    const pending = (await redis.xpending(store.eventsKey, 'ledger-sync')) as [number];
    expect(pending[0]).toBe(0);
  });
});
