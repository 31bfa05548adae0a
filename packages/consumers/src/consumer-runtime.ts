import type { Logger } from '@edge/common';
import type { OrderEvent } from '@edge/order-events';
import type { Delivery, EventLog } from './event-log.js';

export const DEFAULT_CONSUMER_OPTIONS = Object.freeze({
  batch: 50,
  blockMs: 1_000,
  claimIdleMs: 30_000,
  maxDeliveries: 5,
  retryDelayMs: 1_000,
  heartbeatMs: 2_000,
  handlerTimeoutMs: 10_000,
  concurrency: 16,
});

/** What a group does with one event. Throwing (or timing out) counts as a failed delivery. */
export type EventHandler = (event: OrderEvent, signal: AbortSignal) => Promise<void>;

/** What happened to one delivery, for metrics and tests. */
export type DeliveryOutcome = 'handled' | 'duplicate' | 'skipped' | 'retry' | 'dead_lettered';

export interface ConsumerOptions {
  log: EventLog;
  group: string;
  /** This instance within the group; unique per process (the claim gives a dead one's entries to the rest). */
  consumer: string;
  handle: EventHandler;
  /** The process's logger; the consumer binds `group` and `consumer` to every line it writes. */
  logger: Logger;
  /** Most entries per read; default 50. */
  batch?: number;
  /** How long one read waits for new events; default 1 s. */
  blockMs?: number;
  /**
   * Idle time after which an unacknowledged entry is taken from whoever held it; default 30 s.
   * Keep it above `handlerTimeoutMs`, or a slow live consumer loses entries it still handles.
   */
  claimIdleMs?: number;
  /** Failed deliveries after which the entry moves to the dead letters; default 5. */
  maxDeliveries?: number;
  /** Pause before a failed entry is delivered again; default 1 s. */
  retryDelayMs?: number;
  /** How often this consumer says it is alive; default 2 s. */
  heartbeatMs?: number;
  /** A handler still running after this counts as failed (and is aborted); default 10 s. */
  handlerTimeoutMs?: number;
  /**
   * Orders of one read handled at once; default 16. Events of the same order stay in log order
   * (a cancel never overtakes its confirmation), different orders run side by side.
   */
  concurrency?: number;
  onDelivery?: (outcome: DeliveryOutcome, delivery: Delivery, ms: number) => void;
}

export interface RunningConsumer {
  group: string;
  consumer: string;
  /** Stop reading, finish the entry in hand, stop the heartbeat. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function withTimeout(handle: EventHandler, event: OrderEvent, ms: number): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`handler did not finish within ${ms} ms`));
    }, ms);
  });
  try {
    await Promise.race([handle(event, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Events of one order share a partition; undecodable entries are each their own. */
function partitionKey(delivery: Delivery): string {
  return delivery.decoded.ok ? delivery.decoded.event.data.orderId : `entry:${delivery.entryId}`;
}

/**
 * Run `task` for every delivery: in log order within a partition (one order), up to `limit`
 * partitions at a time.
 */
async function inPartitions(
  deliveries: readonly Delivery[],
  limit: number,
  task: (delivery: Delivery) => Promise<void>,
): Promise<void> {
  const partitions = new Map<string, Delivery[]>();
  for (const delivery of deliveries) {
    const key = partitionKey(delivery);
    const list = partitions.get(key);
    if (list) list.push(delivery);
    else partitions.set(key, [delivery]);
  }
  const queue = [...partitions.values()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      for (const delivery of next) await task(delivery);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/**
 * One consumer of one group: at least once, in log order per read. Each round it first claims
 * entries idle past `claimIdleMs` (a dead consumer's, or its own failed ones once their retry
 * delay passed), then reads new ones. An event the group already handled (dedupe record) is
 * acknowledged without effect; a failed one is retried after `retryDelayMs` until its
 * `maxDeliveries`th delivery fails, then dead-lettered with its error. Nothing a handler or the
 * log does ends the loop: a log failure is logged and the round retried after a pause.
 */
export function startConsumer(options: ConsumerOptions): RunningConsumer {
  const d = DEFAULT_CONSUMER_OPTIONS;
  const batch = options.batch ?? d.batch;
  const blockMs = options.blockMs ?? d.blockMs;
  const claimIdleMs = options.claimIdleMs ?? d.claimIdleMs;
  const maxDeliveries = options.maxDeliveries ?? d.maxDeliveries;
  const retryDelayMs = options.retryDelayMs ?? d.retryDelayMs;
  const heartbeatMs = options.heartbeatMs ?? d.heartbeatMs;
  const handlerTimeoutMs = options.handlerTimeoutMs ?? d.handlerTimeoutMs;
  const concurrency = options.concurrency ?? d.concurrency;
  const { log, group, consumer } = options;
  // Bound once here, never passed again by a call: pino would write a key bound and passed twice.
  const logger = options.logger.child({ group, consumer });
  const report = options.onDelivery ?? (() => {});
  let stopped = false;

  const deadLetter = async (delivery: Delivery, error: string) => {
    await log.deadLetter(group, consumer, delivery, error);
    logger.error(
      { entryId: delivery.entryId, deliveries: delivery.deliveries, error },
      'event dead-lettered',
    );
  };

  const processDelivery = async (delivery: Delivery): Promise<DeliveryOutcome> => {
    const { decoded } = delivery;
    if (!decoded.ok) {
      await deadLetter(delivery, decoded.error);
      return 'dead_lettered';
    }
    if (delivery.group !== undefined && delivery.group !== group) {
      await log.ack(group, delivery.entryId);
      return 'skipped';
    }
    // More deliveries than allowed without a recorded failure: consumers died while holding it
    // (a crash the handler itself causes); it must not take down every instance in turn.
    if (delivery.deliveries > maxDeliveries) {
      await deadLetter(
        delivery,
        `delivered ${delivery.deliveries} times without an acknowledgement`,
      );
      return 'dead_lettered';
    }
    const { event } = decoded;
    if (await log.isDone(group, event.id)) {
      await log.ack(group, delivery.entryId);
      return 'duplicate';
    }
    try {
      await withTimeout(options.handle, event, handlerTimeoutMs);
    } catch (err) {
      const error = message(err);
      if (delivery.deliveries >= maxDeliveries) {
        await deadLetter(delivery, error);
        return 'dead_lettered';
      }
      logger.warn(
        { eventId: event.id, deliveries: delivery.deliveries, error },
        'event handler failed; retrying',
      );
      await log.retryLater(group, consumer, delivery.entryId, retryDelayMs, claimIdleMs);
      return 'retry';
    }
    await log.complete(group, delivery.entryId, event.id);
    return 'handled';
  };

  const round = async () => {
    // A dead consumer's entries come back after claimIdleMs; a failed one sooner, because
    // retryLater aged it to claimIdleMs - retryDelayMs.
    const claimed = await log.claimIdle(group, consumer, claimIdleMs, batch);
    const fresh =
      claimed.length < batch
        ? await log.readNew(
            group,
            consumer,
            batch - claimed.length,
            claimed.length > 0 ? 0 : blockMs,
          )
        : [];
    await inPartitions([...claimed, ...fresh], concurrency, async (delivery) => {
      if (stopped) return;
      const started = performance.now();
      const outcome = await processDelivery(delivery);
      report(outcome, delivery, performance.now() - started);
    });
  };

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await log.ensureGroup(group);
        await round();
        failures = 0;
      } catch (err) {
        failures++;
        logger.warn({ err: message(err) }, 'event log round failed; retrying');
        await sleep(Math.min(100 * 2 ** failures, 5_000));
      }
    }
  };

  const beat = async () => {
    while (!stopped) {
      await log.heartbeat(group, consumer).catch((err: unknown) => {
        logger.warn({ err: message(err) }, 'heartbeat failed');
      });
      await sleep(heartbeatMs);
    }
  };

  const running = Promise.all([loop(), beat()]);
  logger.info('consumer started');
  return {
    group,
    consumer,
    async stop() {
      stopped = true;
      await running;
    },
  };
}
