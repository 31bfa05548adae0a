import type { Logger } from '@edge/common';
import type { OrderEvent } from '@edge/order-events';
import type { Delivery, EventLog, RetryState } from './event-log.js';
import { classifyFailure, HandlerFailure } from './handler-failure.js';
import { planRetry, type RetrySchedule } from './retry-schedule.js';

export const DEFAULT_CONSUMER_OPTIONS = Object.freeze({
  batch: 16,
  blockMs: 1_000,
  claimIdleMs: 30_000,
  maxDeliveries: 5,
  retryDelayMs: 1_000,
  retryMaxDelayMs: 30_000,
  // The saga's compensation horizon: a provider outage of hours never dead-letters by itself.
  retryHorizonMs: 24 * 3_600_000,
  heartbeatMs: 2_000,
  handlerTimeoutMs: 10_000,
  concurrency: 16,
});

/**
 * What a group does with one event. Throwing (or timing out) is a failed delivery; throw a
 * `HandlerFailure` to say whether it is a definite rejection or transient (the default).
 */
export type EventHandler = (event: OrderEvent, signal: AbortSignal) => Promise<void>;

/**
 * What happened to one delivery, for metrics and tests: `retry` failed and waits for its next
 * try, `deferred` was claimed before that try was due, `held` waits behind an earlier event of
 * its order that failed.
 */
export type DeliveryOutcome =
  | 'handled'
  | 'duplicate'
  | 'skipped'
  | 'retry'
  | 'deferred'
  | 'held'
  | 'dead_lettered';

export interface ConsumerOptions {
  log: EventLog;
  group: string;
  /** This instance within the group; unique per process (the claim gives a dead one's entries to the rest). */
  consumer: string;
  handle: EventHandler;
  /** The process's logger; the consumer binds `group` and `consumer` to every line it writes. */
  logger: Logger;
  /**
   * Most entries per read; default 16. Read at most `concurrency`: an entry read but waiting for
   * a free slot would age towards `claimIdleMs` and be claimed by a peer.
   */
  batch?: number;
  /** How long one read waits for new events; default 1 s. */
  blockMs?: number;
  /**
   * Idle time after which an unacknowledged entry is taken from whoever held it; default 30 s.
   * Keep it above `handlerTimeoutMs`, or a slow live consumer loses entries it still handles.
   */
  claimIdleMs?: number;
  /**
   * Definite rejections after which the entry moves to the dead letters, and deliveries with no
   * outcome (consumers crashing on it) after which it does too; default 5.
   */
  maxDeliveries?: number;
  /** Pause after a definite rejection, and first backoff ceiling of a transient failure; default 1 s. */
  retryDelayMs?: number;
  /** Cap on one backoff ceiling of a transient failure; default 30 s. */
  retryMaxDelayMs?: number;
  /** How long transient failures are retried, from the first one, before the dead letters; default 24 h. */
  retryHorizonMs?: number;
  /** How often this consumer says it is alive; default 2 s. */
  heartbeatMs?: number;
  /** A handler still running after this counts as failed (and is aborted); default 10 s. */
  handlerTimeoutMs?: number;
  /**
   * Orders of one read handled at once; default 16. Events of the same order run in log order,
   * and once one fails the later ones of its read wait behind it; different orders run side by
   * side.
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
      reject(new HandlerFailure(`handler did not finish within ${ms} ms`, 'transient'));
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

/** The deliveries of one read by partition (one order), each in log order. */
function partitions(deliveries: readonly Delivery[]): Delivery[][] {
  const byKey = new Map<string, Delivery[]>();
  for (const delivery of deliveries) {
    const key = partitionKey(delivery);
    const list = byKey.get(key);
    if (list) list.push(delivery);
    else byKey.set(key, [delivery]);
  }
  return [...byKey.values()];
}

/** Run `task` for every partition, up to `limit` at a time. */
async function eachPartition(
  queue: Delivery[][],
  limit: number,
  task: (partition: Delivery[]) => Promise<void>,
): Promise<void> {
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await task(next);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/** One delivery's outcome and, when the rest of its order must wait, until when. */
interface Settled {
  outcome: DeliveryOutcome;
  /** When the later events of its order (in the same read) may run. */
  holdUntil?: number;
}

/** Outcomes after which the later events of the same order must not run yet. */
const HOLDS_ITS_ORDER: ReadonlySet<DeliveryOutcome> = new Set([
  'retry',
  'deferred',
  'dead_lettered',
]);

/**
 * One consumer of one group: at least once, each order's events of one read in log order. Each
 * round it first claims entries idle past `claimIdleMs` (a dead consumer's, or its own failed
 * ones once their retry is due), then reads new ones, at most `concurrency` in all so that every
 * order starts at once. An entry addressed to another group (a replay) is acknowledged unread;
 * one the group already handled (dedupe record) is acknowledged without effect. A failed one is
 * retried: a definite rejection after `retryDelayMs` until its `maxDeliveries`th, a transient
 * failure with capped exponential backoff and jitter (or Retry-After) until `retryHorizonMs`
 * has passed since its first failure; then it is dead-lettered with its error. An entry
 * delivered more than `maxDeliveries` times with no outcome written (consumers crashing on it)
 * is dead-lettered too. Once an event of an order fails, the later ones of its read are left
 * pending unhandled and come back with it. Nothing a handler or the log does ends the loop: a
 * log failure is logged and the round retried after a pause.
 */
export function startConsumer(options: ConsumerOptions): RunningConsumer {
  const d = DEFAULT_CONSUMER_OPTIONS;
  const batch = options.batch ?? d.batch;
  const blockMs = options.blockMs ?? d.blockMs;
  const claimIdleMs = options.claimIdleMs ?? d.claimIdleMs;
  const maxDeliveries = options.maxDeliveries ?? d.maxDeliveries;
  const heartbeatMs = options.heartbeatMs ?? d.heartbeatMs;
  const handlerTimeoutMs = options.handlerTimeoutMs ?? d.handlerTimeoutMs;
  const concurrency = options.concurrency ?? d.concurrency;
  const schedule: RetrySchedule = {
    maxRejections: maxDeliveries,
    retryDelayMs: options.retryDelayMs ?? d.retryDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs ?? d.retryMaxDelayMs,
    retryHorizonMs: options.retryHorizonMs ?? d.retryHorizonMs,
    random: Math.random,
  };
  // Every order of a read starts at once: nothing read waits for a slot while its idle time runs.
  const perRound = Math.min(batch, concurrency);
  const claimsPerRound = Math.max(1, perRound - Math.max(1, Math.floor(perRound / 4)));
  const { log, group, consumer } = options;
  // Bound once here, never passed again by a call: pino would write a key bound and passed twice.
  const logger = options.logger.child({ group, consumer });
  const report = options.onDelivery ?? (() => {});
  let stopped = false;

  const deadLetter = async (delivery: Delivery, error: string): Promise<Settled> => {
    await log.deadLetter(group, consumer, delivery, error);
    logger.error(
      { entryId: delivery.entryId, deliveries: delivery.deliveries, error },
      'event dead-lettered',
    );
    return { outcome: 'dead_lettered', holdUntil: Date.now() };
  };

  /** Keep the entry pending until `retry.dueAt`, this delivery settled. */
  const park = async (delivery: Delivery, retry: Omit<RetryState, 'settled'>) => {
    await log.retryLater(
      group,
      consumer,
      [{ entryId: delivery.entryId, retry: { ...retry, settled: delivery.deliveries } }],
      Math.max(0, retry.dueAt - Date.now()),
      claimIdleMs,
    );
  };

  const processDelivery = async (delivery: Delivery): Promise<Settled> => {
    // Addressing first: a replay for another group is not this group's to decode or judge.
    if (delivery.group !== undefined && delivery.group !== group) {
      await log.ack(group, delivery.entryId);
      return { outcome: 'skipped' };
    }
    const { decoded } = delivery;
    if (!decoded.ok) return deadLetter(delivery, decoded.error);
    // Deliveries that ended with no outcome written: consumers died while holding it (a crash
    // the handler itself causes); it must not take down every instance in turn.
    const unsettled = delivery.deliveries - (delivery.retry?.settled ?? 0);
    if (unsettled > maxDeliveries) {
      return deadLetter(delivery, `delivered ${unsettled} times without an outcome`);
    }
    const { event } = decoded;
    if (await log.isDone(group, event.id)) {
      await log.ack(group, delivery.entryId);
      return { outcome: 'duplicate' };
    }
    const { retry } = delivery;
    if (retry && retry.dueAt > Date.now()) {
      await park(delivery, retry);
      return { outcome: 'deferred', holdUntil: retry.dueAt };
    }
    try {
      await withTimeout(options.handle, event, handlerTimeoutMs);
    } catch (err) {
      const failure = classifyFailure(err);
      const plan = planRetry(retry, failure, Date.now(), schedule);
      if (plan.kind === 'dead_letter') return deadLetter(delivery, plan.reason);
      logger.warn(
        {
          eventId: event.id,
          deliveries: delivery.deliveries,
          failures: plan.retry.failures,
          kind: failure.kind,
          retryInMs: plan.delayMs,
          error: failure.message,
        },
        'event handler failed; retrying',
      );
      await park(delivery, plan.retry);
      return { outcome: 'retry', holdUntil: plan.retry.dueAt };
    }
    await log.complete(group, delivery.entryId, event.id);
    return { outcome: 'handled' };
  };

  /** The later events of an order wait, pending and unhandled, until its failed one is due. */
  const holdBack = async (waiting: readonly Delivery[], until: number) => {
    await log.retryLater(
      group,
      consumer,
      waiting.map((delivery) => ({
        entryId: delivery.entryId,
        retry: {
          failures: 0,
          rejections: 0,
          ...delivery.retry,
          dueAt: Math.max(until, delivery.retry?.dueAt ?? 0),
          settled: delivery.deliveries,
        },
      })),
      Math.max(0, until - Date.now()),
      claimIdleMs,
    );
    for (const delivery of waiting) report('held', delivery, 0);
  };

  const runPartition = async (partition: readonly Delivery[]) => {
    for (let i = 0; i < partition.length && !stopped; i++) {
      const rest = partition.slice(i);
      const delivery = rest[0] as Delivery;
      // The rest of the order waited while the earlier event ran: restart its idle time (the
      // earlier one took at most the handler timeout, under the claim time), and leave what a
      // peer already took to that peer.
      if (i > 0) {
        const held = await log.hold(
          group,
          consumer,
          rest.map((r) => r.entryId),
        );
        if (!held.includes(delivery.entryId)) return;
      }
      const started = performance.now();
      const settled = await processDelivery(delivery);
      report(settled.outcome, delivery, performance.now() - started);
      if (HOLDS_ITS_ORDER.has(settled.outcome) && rest.length > 1) {
        await holdBack(rest.slice(1), settled.holdUntil ?? Date.now());
        return;
      }
    }
  };

  const round = async () => {
    // Part of every round stays for new entries: failing events come due again every ≤30 s for
    // up to a day, and claimed first into a full round they kept healthy ones from being read.
    const claimed = await log.claimIdle(group, consumer, claimIdleMs, claimsPerRound);
    const fresh =
      claimed.length < perRound
        ? await log.readNew(
            group,
            consumer,
            perRound - claimed.length,
            claimed.length > 0 ? 0 : blockMs,
          )
        : [];
    // Claimed entries are older than every fresh one, so each order stays in log order.
    await eachPartition(partitions([...claimed, ...fresh]), concurrency, runPartition);
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
