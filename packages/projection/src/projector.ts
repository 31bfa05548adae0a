import { streamIdMs } from '@edge/catalog-events';
import type { Logger, RedisClient } from '@edge/common';
import { appliedThrough, readGroupProgress, recordAppliedThrough } from './projection-progress.js';
import type { ReadModelKeys } from './read-model-keys.js';
import {
  type ApplyOutcome,
  applyEntries,
  liveNamespace,
  type StreamEntry,
} from './read-model-writer.js';
import { readGroupEntries, toStreamEntries } from './stream-entries.js';

export const DEFAULT_PROJECTOR_OPTIONS = Object.freeze({
  group: 'products-projection',
  batchSize: 200,
  blockMs: 500,
  // Well below the 30 s lag page (a replica dying mid-batch holds the lag back until a peer
  // takes its entries) and far above a batch's apply; applying an entry twice is harmless.
  claimIdleMs: 10_000,
  maxDeadLetters: 1_000,
});

export interface ProjectorOptions {
  /** Connection for reads and writes; XREADGROUP blocks on it, so give the projector its own. */
  redis: RedisClient;
  stream: string;
  keys: ReadModelKeys;
  log: Logger;
  /** Consumer name; keep it stable across restarts so a restart re-reads its own pending. */
  consumer: string;
  /** Consumer group; default DEFAULT_PROJECTOR_OPTIONS.group. */
  group?: string;
  /** Entries per read; default 200. */
  batchSize?: number;
  /** How long one XREADGROUP waits for new entries (also the stop latency); default 500. */
  blockMs?: number;
  /**
   * Pending entries of another consumer idle this long are claimed (XAUTOCLAIM, tried every
   * round); default 10 s. Until then the oldest of them holds the recorded lag back, so readers
   * fall back instead of serving what it changed as if it were not there.
   */
  claimIdleMs?: number;
  /** Undecodable entries kept in the read model's dead-letter stream; default 1000. */
  maxDeadLetters?: number;
  /** Called after each applied batch (metrics). */
  onBatch?: (outcome: ApplyOutcome) => void;
}

/**
 * Consumes the product stream through a consumer group into the read model. Delivery is at
 * least once (an entry is acked only after its batch is written, so a crash in between re-delivers
 * it) and application is idempotent by (epoch, version), which together give each event's effect
 * exactly once.
 */
export class Projector {
  private readonly group: string;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly maxDeadLetters: number;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private caughtUp = false;
  /** The last round failed; cleared by the next one that succeeds. */
  private failing = false;
  /** A round failed: this consumer's pending entries go first, before anything newer. */
  private retryOwnPending = false;
  /** The last round answered NOGROUP: the stream or the group is gone (deleted, empty Redis). */
  private groupMissing = false;
  /** Newest heartbeat met in the product stream itself (one written by an older write side). */
  private productStreamBeatMs: number | undefined;

  constructor(private readonly options: ProjectorOptions) {
    this.group = options.group ?? DEFAULT_PROJECTOR_OPTIONS.group;
    this.batchSize = options.batchSize ?? DEFAULT_PROJECTOR_OPTIONS.batchSize;
    this.blockMs = options.blockMs ?? DEFAULT_PROJECTOR_OPTIONS.blockMs;
    this.claimIdleMs = options.claimIdleMs ?? DEFAULT_PROJECTOR_OPTIONS.claimIdleMs;
    this.maxDeadLetters = options.maxDeadLetters ?? DEFAULT_PROJECTOR_OPTIONS.maxDeadLetters;
  }

  /**
   * True once the backlog present at start (own pending, then new entries) has been applied;
   * again false after the group had to be recreated, until the replay caught up.
   */
  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** Caught up, and the last round of reads and writes succeeded (what `/readyz` reports). */
  get isReady(): boolean {
    return this.caughtUp && !this.failing;
  }

  async start(): Promise<void> {
    await this.createGroup();
    await this.drainOwnPending();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.round();
        this.failing = false;
      } catch (err) {
        if (this.stopping) return;
        this.failing = true;
        this.retryOwnPending = true;
        this.groupMissing = isNoGroup(err);
        this.options.log.warn({ err }, 'projection read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.blockMs));
      }
    }
  }

  private async round(): Promise<void> {
    if (this.groupMissing) await this.recreateGroup();
    // A batch whose write failed is still pending with this consumer: the same entries again,
    // not newer ones past them.
    if (this.retryOwnPending) await this.drainOwnPending();
    this.retryOwnPending = false;
    await this.claimIdle();
    const entries = await this.readGroup('>');
    if (entries.length > 0) await this.process(entries);
    // A short batch means the read reached the end of the stream.
    if (entries.length < this.batchSize) this.markCaughtUp();
    await this.recordProgress();
  }

  /** From 0: a group created now must see the whole stream, seed snapshot included. */
  private async createGroup(): Promise<void> {
    const { redis, stream } = this.options;
    try {
      await redis.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
  }

  /**
   * The stream was deleted or Redis came back empty: the write side's next XADD recreates the
   * stream without the group. Replaying it from 0 is safe (versions make repeats no-ops).
   */
  private async recreateGroup(): Promise<void> {
    await this.createGroup();
    this.groupMissing = false;
    this.caughtUp = false;
    this.options.log.warn(
      { stream: this.options.stream, group: this.group },
      'projection consumer group was missing; recreated from the start of the stream',
    );
  }

  /** Lag as readers measure it: see appliedThrough. */
  private async recordProgress(): Promise<void> {
    const { redis, stream, keys } = this.options;
    const progress = await readGroupProgress(redis, stream, this.group);
    const through = appliedThrough(progress, this.productStreamBeatMs);
    if (through !== undefined) await recordAppliedThrough(redis, keys, through);
  }

  /** After a crash, what this consumer read but never acked comes first, in stream order. */
  private async drainOwnPending(): Promise<void> {
    let cursor = '0';
    for (;;) {
      const entries = await this.readGroup(cursor);
      const last = entries.at(-1);
      if (!last) return;
      this.options.log.info({ entries: entries.length }, 're-applying pending entries');
      await this.process(entries);
      cursor = last.id;
    }
  }

  /**
   * One batch of this consumer's group read: `>` for entries never delivered (waiting up to
   * `blockMs` for some), or an id for this consumer's own pending entries after it (Redis
   * ignores BLOCK then and answers at once).
   */
  private async readGroup(after: string) {
    const raw = await this.options.redis.xreadgroup(
      'GROUP',
      this.group,
      this.options.consumer,
      'COUNT',
      this.batchSize,
      'BLOCK',
      this.blockMs,
      'STREAMS',
      this.options.stream,
      after,
    );
    return readGroupEntries(raw);
  }

  /**
   * Take over what a consumer that died for good (another name) left pending. Tried every round
   * (cheap when nothing is idle), so an entry is taken over as soon as it is `claimIdleMs` idle.
   */
  private async claimIdle(): Promise<void> {
    let cursor = '0-0';
    do {
      const raw: unknown = await this.options.redis.xautoclaim(
        this.options.stream,
        this.group,
        this.options.consumer,
        this.claimIdleMs,
        cursor,
        'COUNT',
        this.batchSize,
      );
      if (!Array.isArray(raw) || typeof raw[0] !== 'string') return;
      cursor = raw[0];
      const entries = toStreamEntries(raw[1]);
      if (entries.length > 0) {
        this.options.log.info({ entries: entries.length }, 'claimed idle pending entries');
        await this.process(entries);
      }
    } while (cursor !== '0-0' && !this.stopping);
  }

  private async process(entries: readonly StreamEntry[]): Promise<void> {
    const { redis, keys, stream } = this.options;
    for (;;) {
      const ns = await liveNamespace(redis, keys);
      const live = { maxDeadLetters: this.maxDeadLetters };
      const outcome = await applyEntries(redis, keys, ns, entries, live);
      // A rebuild swapped namespaces mid-batch: apply the batch again to the new one (the
      // entries already there are skipped by version).
      if (outcome.moved) continue;
      await redis.xack(stream, this.group, ...entries.map((e) => e.id));
      this.noteBatch(entries, outcome);
      return;
    }
  }

  private noteBatch(entries: readonly StreamEntry[], outcome: ApplyOutcome): void {
    const beat = entries.findLast((e) => e.event?.type === 'heartbeat');
    if (beat) this.productStreamBeatMs = streamIdMs(beat.id);
    if (outcome.invalid > 0) {
      const undecoded = entries.filter((e) => e.event === undefined);
      this.options.log.error(
        {
          entries: undecoded.map((e) => e.id),
          products: undecoded.map((e) => ('productId' in e ? e.productId : undefined)),
          deadLetters: this.options.keys.deadLetters,
        },
        'undecodable product events kept as dead letters; the products they name read from the service',
      );
    }
    this.options.onBatch?.(outcome);
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.options.log.info('projection caught up');
  }
}

function isNoGroup(err: unknown): boolean {
  return String(err).includes('NOGROUP');
}
