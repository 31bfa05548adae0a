import { randomUUID } from 'node:crypto';
import { createLogger, Redis } from '@edge/common';
import {
  ORDER_EVENT_VERSION,
  type OrderEvent,
  type OrderEventType,
  orderEventId,
} from '@edge/order-events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConsumerOptions,
  type DeliveryOutcome,
  type RunningConsumer,
  startConsumer,
} from '../src/consumer-runtime';
import type { Delivery } from '../src/event-log';
import { HandlerFailure } from '../src/handler-failure';
import { RedisEventLog } from '../src/redis-event-log';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ service: 'consumers-test', level: 'silent' });

interface World {
  redis: Redis;
  stream: string;
  log: RedisEventLog;
  append(fields: string[]): Promise<string>;
  /** Append an event as the saga does; `nth` makes a distinct event of the same type and order. */
  publish(type: OrderEventType, order: number, nth?: number): Promise<string>;
  start(
    group: string,
    consumer: string,
    handle: ConsumerOptions['handle'],
    options?: Partial<ConsumerOptions>,
  ): Watched;
}

/** A running consumer and every outcome it reported, to wait on by state, never by time. */
interface Watched {
  consumer: RunningConsumer;
  outcomes: { outcome: DeliveryOutcome; delivery: Delivery }[];
  until(what: string, done: (w: Watched) => boolean): Promise<void>;
}

const opened: { redis: Redis[]; consumers: RunningConsumer[]; stream: string }[] = [];

afterEach(async () => {
  for (const world of opened.splice(0)) {
    await Promise.all(world.consumers.map((c) => c.stop()));
    const [redis] = world.redis;
    if (redis) {
      const keys = await redis.keys(`${world.stream.split(':events')[0]}*`);
      if (keys.length > 0) await redis.unlink(...keys);
    }
    for (const client of world.redis) client.disconnect();
  }
});

function event(type: OrderEventType, order: number, nth = 0): OrderEvent {
  const head = {
    id: `${orderEventId(`sg-${order}`, type)}${nth > 0 ? `:${nth}` : ''}`,
    version: ORDER_EVENT_VERSION,
    occurredAt: new Date().toISOString(),
  };
  const base = { sagaId: `sg-${order}`, orderId: `o-${order}`, userId: 'u-1' };
  switch (type) {
    case 'OrderConfirmed':
      return {
        ...head,
        type,
        data: {
          ...base,
          partnerId: null,
          items: [{ productId: 'p-1', quantity: 1 }],
          totalCents: 1000,
          currency: 'USD',
        },
      };
    case 'OrderCancelled':
      return { ...head, type, data: { ...base, reason: 'customer asked' } };
    case 'OrderRefunded':
      return { ...head, type, data: { ...base, amountCents: 1000, currency: 'USD' } };
    case 'OrderFlagged':
      return {
        ...head,
        type,
        data: {
          orderId: base.orderId,
          userId: 'u-1',
          totalCents: 1000,
          reasons: [],
          sourceEventId: 'x',
        },
      };
  }
}

function openWorld(): World {
  const redis = new Redis(REDIS_URL);
  const clients = [redis];
  const stream = `consumer-runtime-test:{${randomUUID()}}:events:order`;
  const log = new RedisEventLog({ redis, blocking: redis, stream });
  const world = { redis: clients, consumers: [] as RunningConsumer[], stream };
  opened.push(world);
  return {
    redis,
    stream,
    log,
    append: async (fields) => (await redis.xadd(stream, '*', ...fields)) as string,
    publish: async (type, order, nth) =>
      (await redis.xadd(stream, '*', 'event', JSON.stringify(event(type, order, nth)))) as string,
    start(group, consumer, handle, options = {}) {
      // Each consumer blocks on a connection of its own, as the service gives it.
      const blocking = new Redis(REDIS_URL);
      clients.push(blocking);
      const waiters = new Set<() => void>();
      const watched: Watched = {
        outcomes: [],
        consumer: startConsumer({
          log: new RedisEventLog({ redis, blocking, stream }),
          group,
          consumer,
          handle,
          logger,
          ...options,
          onDelivery: (outcome, delivery) => {
            watched.outcomes.push({ outcome, delivery });
            for (const wake of waiters) wake();
          },
        }),
        until: (what, done) =>
          new Promise<void>((resolve, reject) => {
            if (done(watched)) return resolve();
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`gave up waiting for ${what}`));
            }, 60_000);
            const check = () => {
              if (!done(watched)) return;
              clearTimeout(timer);
              waiters.delete(check);
              resolve();
            };
            waiters.add(check);
          }),
      };
      world.consumers.push(watched.consumer);
      return watched;
    },
  };
}

const count = (w: Watched, outcome: DeliveryOutcome) =>
  w.outcomes.filter((o) => o.outcome === outcome).length;

describe('consumer runtime over the Redis event log (real Redis)', () => {
  it("a failed confirmation holds back its order's cancellation from the same read: the cancel runs only after the confirmation succeeded", async () => {
    const w = openWorld();
    await w.publish('OrderConfirmed', 1);
    await w.publish('OrderConfirmed', 2);
    await w.publish('OrderCancelled', 1);
    const effects: string[] = [];
    let failures = 1;
    const watched = w.start('fulfilment', 'c-1', async (e) => {
      if (e.data.orderId === 'o-1' && e.type === 'OrderConfirmed' && failures-- > 0) {
        effects.push(`${e.type} o-1 failed`);
        throw new HandlerFailure('warehouse answered 503', 'transient');
      }
      effects.push(`${e.type} ${e.data.orderId}`);
    });
    await watched.until('three events handled', (x) => count(x, 'handled') === 3);
    expect(effects.filter((e) => e.endsWith('o-1') || e.endsWith('failed'))).toEqual([
      'OrderConfirmed o-1 failed',
      'OrderConfirmed o-1',
      'OrderCancelled o-1',
    ]);
    // The other order of the same read was not held back.
    expect(effects).toContain('OrderConfirmed o-2');
    expect(count(watched, 'held')).toBeGreaterThan(0);
    expect(await w.log.deadLetters('fulfilment', 10)).toEqual([]);
  });

  it('a dead-lettered confirmation lets the later events of its order run after it, never before', async () => {
    const w = openWorld();
    await w.publish('OrderConfirmed', 1);
    await w.publish('OrderCancelled', 1);
    const effects: string[] = [];
    const watched = w.start('fulfilment', 'c-1', async (e) => {
      if (e.type === 'OrderConfirmed') {
        effects.push('confirm refused');
        throw new HandlerFailure('warehouse answered 422: bad items', 'definite');
      }
      effects.push(e.type);
    });
    await watched.until('the cancel handled', (x) => count(x, 'handled') === 1);
    // The default five tries of a definite rejection, then the dead letter, then the cancel.
    expect(effects).toEqual([...Array(5).fill('confirm refused'), 'OrderCancelled']);
    const [dead] = await w.log.deadLetters('fulfilment', 10);
    expect(dead).toMatchObject({ deliveries: 5, error: 'warehouse answered 422: bad items' });
  });

  it('transient failures are retried with backoff well past the old five deliveries, then handled once, with no dead letter', async () => {
    const w = openWorld();
    await w.publish('OrderConfirmed', 1);
    let failures = 8;
    let effects = 0;
    const watched = w.start(
      'notification',
      'c-1',
      async () => {
        if (failures-- > 0) throw new HandlerFailure('email provider answered 503', 'transient');
        effects++;
      },
      // Shortened so that eight backoffs take milliseconds; the e2e test proves the defaults.
      { retryDelayMs: 10, retryMaxDelayMs: 50 },
    );
    await watched.until('the event handled', (x) => count(x, 'handled') === 1);
    expect(count(watched, 'retry')).toBe(8);
    expect(effects).toBe(1);
    expect(await w.log.deadLetters('notification', 10)).toEqual([]);
  });

  it('retries of failing events, however many come due, leave room in every round for new ones', async () => {
    const w = openWorld();
    const failing = 200;
    for (let order = 1; order <= failing; order++) await w.publish('OrderConfirmed', order);
    let handled = 0;
    const watched = w.start(
      'notification',
      'c-1',
      async (e) => {
        if (e.data.orderId !== 'o-1000') {
          throw new HandlerFailure('provider answered 503', 'transient');
        }
        handled++;
      },
      // Backoff shortened so that every failing event is due again within milliseconds: more
      // due retries than a round holds, all the time (a day-long outage with the defaults).
      { retryDelayMs: 10, retryMaxDelayMs: 20 },
    );
    await watched.until('every failing event retried', (x) => count(x, 'retry') >= failing);
    await w.publish('OrderConfirmed', 1000);
    // Claimed first into full rounds, the retries kept it unread (past the test's timeout).
    await watched.until('the new event handled', (x) => count(x, 'handled') === 1);
    expect(handled).toBe(1);
  });

  it('a transient failure still failing when its retry horizon ends is dead-lettered with why', async () => {
    const w = openWorld();
    await w.publish('OrderConfirmed', 1);
    const watched = w.start(
      'notification',
      'c-1',
      async () => {
        throw new HandlerFailure('email provider answered 503', 'transient');
      },
      // A horizon of hours is the product; a short one here so it ends within the test.
      { retryDelayMs: 10, retryMaxDelayMs: 50, retryHorizonMs: 300 },
    );
    await watched.until('the dead letter', (x) => count(x, 'dead_lettered') === 1);
    const [dead] = await w.log.deadLetters('notification', 10);
    expect(dead?.error).toContain('email provider answered 503');
    expect(dead?.error).toContain('retry horizon');
  });

  it('an entry delivered more often than allowed with no recorded outcome (consumers crashing on it) is dead-lettered', async () => {
    const w = openWorld();
    const id = await w.publish('OrderConfirmed', 1);
    await w.log.ensureGroup('fulfilment');
    // Six consumers took it and died without a word: six deliveries, no outcome recorded.
    await w.log.readNew('fulfilment', 'crashed-1', 1, 0);
    for (let i = 2; i <= 6; i++) {
      await w.log.claimIdle('fulfilment', `crashed-${i}`, 0, 1);
    }
    // Idle for an hour, so the live consumer claims it at once rather than after 30 s.
    await w.redis.xclaim(w.stream, 'fulfilment', 'crashed-6', 0, id, 'IDLE', 3_600_000, 'JUSTID');
    let calls = 0;
    const watched = w.start('fulfilment', 'c-1', async () => {
      calls++;
    });
    await watched.until('the dead letter', (x) => count(x, 'dead_lettered') === 1);
    const [dead] = await w.log.deadLetters('fulfilment', 10);
    expect(dead?.error).toContain('without an outcome');
    expect(calls).toBe(0);
  });

  it('claimed entries carry their true delivery count however many entries the consumer holds between them (a long outage holds hundreds)', async () => {
    const w = openWorld();
    await w.log.ensureGroup('notification');
    for (let i = 1; i <= 300; i++) await w.publish('OrderConfirmed', i);
    const read = await w.log.readNew('notification', 'c-1', 300, 0);
    expect(read).toHaveLength(300);
    const now = Date.now();
    const parked = (delivery: Delivery, dueAt: number) => ({
      entryId: delivery.entryId,
      retry: { failures: 1, rejections: 0, firstFailedAt: now, dueAt, settled: 1 },
    });
    // All but the first and the last wait a minute; those two are due now (idle = claim time).
    await w.log.retryLater(
      'notification',
      'c-1',
      read.slice(1, 299).map((d) => parked(d, now + 60_000)),
      60_000,
      30_000,
    );
    const due = [read[0], read[299]] as Delivery[];
    await w.log.retryLater(
      'notification',
      'c-1',
      due.map((d) => parked(d, now)),
      0,
      30_000,
    );
    // The consumer claims its own due entries back, as it does every round.
    const claimed = await w.log.claimIdle('notification', 'c-1', 30_000, 10);
    expect(claimed.map((d) => [d.entryId, d.deliveries])).toEqual(due.map((d) => [d.entryId, 2]));
  });

  it('a replayed undecodable entry addressed to one group is skipped by the others, before any decoding: no dead letter there', async () => {
    const w = openWorld();
    await w.append(['event', '{"not":"an order event"', 'group', 'notification']);
    await w.publish('OrderConfirmed', 2);
    const fulfilment = w.start('fulfilment', 'c-1', async () => {});
    const notification = w.start('notification', 'c-1', async () => {});
    await fulfilment.until('both entries done', (x) => x.outcomes.length === 2);
    await notification.until('both entries done', (x) => x.outcomes.length === 2);
    expect(fulfilment.outcomes.map((o) => o.outcome).sort()).toEqual(['handled', 'skipped']);
    expect(await w.log.deadLetters('fulfilment', 10)).toEqual([]);
    // The group it was addressed to still judges it.
    expect(count(notification, 'dead_lettered')).toBe(1);
    expect(await w.log.deadLetters('notification', 10)).toHaveLength(1);
  });

  it('a peer does not claim the events still queued behind a slow one in a live consumer', async () => {
    const w = openWorld();
    const total = 8;
    for (let i = 1; i <= total; i++) await w.publish('OrderRefunded', 1, i);
    // Eight events of one order run one after another. Timers shortened so that the queue's
    // wait (8 x 300 ms) exceeds the claim idle time while each handler stays well inside it.
    const timers = { claimIdleMs: 1_500, handlerTimeoutMs: 1_000 };
    const slow = async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    const owner = w.start('fulfilment', 'owner', slow, timers);
    await owner.until('the first event handled', (x) => count(x, 'handled') === 1);
    // A peer looking for idle entries every 50 ms, so a claim window cannot slip between looks.
    const peer = w.start('fulfilment', 'peer', slow, { ...timers, blockMs: 50 });
    await owner.until('every event handled', (x) => count(x, 'handled') === total);
    expect(count(peer, 'handled')).toBe(0);
    const [pending] = (await w.redis.xpending(w.stream, 'fulfilment')) as [number];
    expect(pending).toBe(0);
  });
});
