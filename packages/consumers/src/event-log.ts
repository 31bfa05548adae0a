import type { DecodedEvent } from '@edge/order-events';

/** One entry handed to a consumer: what it holds and how often it was handed out. */
export interface Delivery {
  /** Position in the log (a Redis stream id, or `<segment>-<line>` in the embedded log). */
  entryId: string;
  /** The decoded event, or why it could not be decoded (a poison entry by nature). */
  decoded: DecodedEvent;
  /** Raw envelope as stored, kept for the dead-letter record. */
  raw: string;
  /** Set when the entry is addressed to one group only (a replayed dead letter). */
  group?: string;
  /** Times the entry was handed to a consumer of this group, this delivery included. */
  deliveries: number;
  /** The group's retry state of the entry, once it failed or was held back. */
  retry?: RetryState;
}

/**
 * What a group remembers of an entry it failed (or held back behind an earlier event of its
 * order) until the entry is acknowledged or dead-lettered.
 */
export interface RetryState {
  /** Failed handler runs: the backoff's exponent. */
  failures: number;
  /** Those of them that were definite rejections. */
  rejections: number;
  /** When the first failure happened (epoch ms); the retry horizon runs from here. */
  firstFailedAt?: number;
  /** Not handled before this (epoch ms): its own backoff, or its order's earlier event's. */
  dueAt: number;
  /** Deliveries that ended with an outcome written here; any beyond them ended in a crash. */
  settled: number;
}

/** An entry to keep pending, with the retry state to remember. */
export interface ParkedEntry {
  entryId: string;
  retry: RetryState;
}

/** What a group has not finished, as an operator needs it (PITFALLS: not XINFO's `lag`). */
export interface GroupStats {
  /** Entries never delivered to the group plus delivered but not acknowledged. */
  lag: number;
  /** Age of the oldest entry of either kind, in ms; 0 when nothing is unprocessed. */
  oldestUnprocessedAgeMs: number;
  /** Entries in the group's dead-letter stream. */
  dlqDepth: number;
  /** Every consumer that ever beat for the group, with the age of its last heartbeat. */
  consumers: { consumer: string; heartbeatAgeMs: number }[];
}

/** One dead letter as listed to an operator. */
export interface DeadLetter {
  /** Id within the group's dead-letter stream; what a replay names. */
  id: string;
  /** Where the event sat in the log. */
  entryId: string;
  event: string;
  error: string;
  deliveries: number;
  consumer: string;
  failedAt: string;
}

/**
 * The port the consumer runtime runs over: a log of order events read by consumer groups, with
 * at-least-once delivery (acknowledge after handling), claim of entries left idle by a dead
 * consumer, per-group dedupe records, dead letters and liveness. `RedisEventLog` is the shared
 * one (Redis Streams); `FileEventLog` the embedded one for `npm start` without Redis.
 */
export interface EventLog {
  /** Create the group, reading from the start of the log, unless it exists. */
  ensureGroup(group: string): Promise<void>;
  /**
   * Take over entries of this group idle for at least `minIdleMs` (a dead consumer's, or this
   * one's own failed ones), counting a delivery each; oldest first.
   */
  claimIdle(group: string, consumer: string, minIdleMs: number, count: number): Promise<Delivery[]>;
  /** Entries never delivered to the group, waiting up to `blockMs` for one (0 = no wait). */
  readNew(group: string, consumer: string, count: number, blockMs: number): Promise<Delivery[]>;
  /** Acknowledge without effect (an entry addressed to another group, a duplicate). */
  ack(group: string, entryId: string): Promise<void>;
  /** True when this group already handled the event (its dedupe record exists). */
  isDone(group: string, eventId: string): Promise<boolean>;
  /** Record the event as handled and acknowledge the entry, in one atomic write. */
  complete(group: string, entryId: string, eventId: string): Promise<void>;
  /**
   * Keep entries this consumer still holds pending with their retry state, claimable again in
   * `delayMs` but never later than after `claimIdleMs` (a claim before they are due finds
   * `retry.dueAt` and parks them again). No delivery is counted.
   */
  retryLater(
    group: string,
    consumer: string,
    entries: readonly ParkedEntry[],
    delayMs: number,
    claimIdleMs: number,
  ): Promise<void>;
  /**
   * Restart the idle time of the entries this consumer still holds (the rest of an order waiting
   * behind its earlier event), so no peer claims them; returns the ids it still holds.
   */
  hold(group: string, consumer: string, entryIds: readonly string[]): Promise<string[]>;
  /** Move the entry to the group's dead letters with its error and acknowledge it, atomically. */
  deadLetter(group: string, consumer: string, delivery: Delivery, error: string): Promise<void>;
  /** The group's dead letters, oldest first. */
  deadLetters(group: string, limit: number): Promise<DeadLetter[]>;
  /**
   * Put dead letters back into the log addressed to `group` alone (other groups already handled
   * them) and remove them from the dead letters; returns the ids replayed.
   */
  replayDeadLetters(group: string, ids: readonly string[] | 'all'): Promise<string[]>;
  /** Append an event (e.g. fraud's `OrderFlagged`) for every group. */
  append(fields: { event: string }): Promise<string>;
  /** Mark `consumer` alive now. */
  heartbeat(group: string, consumer: string): Promise<void>;
  stats(group: string): Promise<GroupStats>;
  /**
   * Take or renew the lease `name` (`monitor`): one process at a time sends the alerts. A
   * holder that dies loses it after `ttlMs`.
   */
  holdLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}
