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
  /** Acknowledge without effect (an entry addressed to another group). */
  ack(group: string, entryId: string): Promise<void>;
  /** True when this group already handled the event (its dedupe record exists). */
  isDone(group: string, eventId: string): Promise<boolean>;
  /** Record the event as handled and acknowledge the entry, in one atomic write. */
  complete(group: string, entryId: string, eventId: string): Promise<void>;
  /**
   * Keep a failed entry pending but make it claimable after `delayMs` rather than after the
   * full `claimIdleMs` a dead consumer's entries wait.
   */
  retryLater(
    group: string,
    consumer: string,
    entryId: string,
    delayMs: number,
    claimIdleMs: number,
  ): Promise<void>;
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
