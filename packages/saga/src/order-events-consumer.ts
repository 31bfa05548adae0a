import type { Redis } from '@edge/common';
import type { OrderConfirmedEvent } from './saga';

export interface OrderEventsConsumerOptions {
  /** A connection of the consumer's own: blocking reads hold it while they wait. */
  redis: Redis;
  /** The stream the saga store writes (`RedisSagaStore.eventsKey`). */
  stream: string;
  /** Consumer group: each group sees every event once; its lag is `saga_order_events_consumer_lag`. */
  group: string;
  /** This process within the group; pending entries are per consumer name. */
  consumer: string;
  /**
   * Called once per event, in stream order. Delivery is at least once (an event handled but not
   * yet acknowledged when the process dies comes again), so handlers dedupe by `sagaId`.
   */
  handle(event: OrderConfirmedEvent, id: string): Promise<void>;
  /** How long one read waits for new events; default 1,000 ms. */
  blockMs?: number;
  /** Most events per read; default 100. */
  batch?: number;
}

export const DEFAULT_ORDER_EVENTS_CONSUMER = Object.freeze({ blockMs: 1000, batch: 100 });

type StreamEntries = [id: string, fields: string[]][];
type ReadAnswer = [stream: string, entries: StreamEntries][] | null;

/** The saga store writes `type OrderConfirmed data <json>`; anything else is not ours. */
function decode(fields: string[]): OrderConfirmedEvent | undefined {
  const at = fields.indexOf('data');
  const json = at >= 0 ? fields[at + 1] : undefined;
  if (fields[fields.indexOf('type') + 1] !== 'OrderConfirmed' || json === undefined)
    return undefined;
  return JSON.parse(json) as OrderConfirmedEvent;
}

/** Create the group at the start of the stream (and the stream itself) unless it exists. */
export async function ensureConsumerGroup(redis: Redis, stream: string, group: string) {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!String(err).includes('BUSYGROUP')) throw err;
  }
}

/**
 * An independent consumer of `OrderConfirmed` events through a consumer group. It first
 * re-reads what it had been given but not acknowledged (a crash between handling and XACK),
 * then new events; each is acknowledged only after its handler succeeded.
 */
export function startOrderEventsConsumer(options: OrderEventsConsumerOptions) {
  const blockMs = options.blockMs ?? DEFAULT_ORDER_EVENTS_CONSUMER.blockMs;
  const batch = options.batch ?? DEFAULT_ORDER_EVENTS_CONSUMER.batch;
  const { redis, stream, group, consumer } = options;
  let stopped = false;

  const read = (from: '0' | '>') =>
    redis.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      batch,
      'BLOCK',
      blockMs,
      'STREAMS',
      stream,
      from,
    ) as Promise<ReadAnswer>;

  const handleAll = async (entries: StreamEntries) => {
    for (const [id, fields] of entries) {
      const event = decode(fields);
      if (event) await options.handle(event, id);
      await redis.xack(stream, group, id);
    }
  };

  const loop = async () => {
    await ensureConsumerGroup(redis, stream, group);
    let backlog = true;
    while (!stopped) {
      const answer = await read(backlog ? '0' : '>');
      const entries = answer?.[0]?.[1] ?? [];
      // An empty answer to '0' means nothing of ours is pending: from now on, only new events.
      if (backlog && entries.length === 0) backlog = false;
      await handleAll(entries);
    }
  };
  const done = loop();
  return {
    /** Resolves when the loop ended; rejects with a handler's or Redis's error. */
    done,
    async stop(): Promise<void> {
      stopped = true;
      await done.catch(() => {});
    },
  };
}
