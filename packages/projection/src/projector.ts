import type { Logger, RedisClient } from '@edge/common';
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
  claimIdleMs: 30_000,
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
  /** Pending entries of another consumer idle this long are claimed (XAUTOCLAIM); default 30 s. */
  claimIdleMs?: number;
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
  private stopping = false;
  private loop: Promise<void> | undefined;
  private lastClaimAt = 0;
  private caughtUp = false;

  constructor(private readonly options: ProjectorOptions) {
    this.group = options.group ?? DEFAULT_PROJECTOR_OPTIONS.group;
    this.batchSize = options.batchSize ?? DEFAULT_PROJECTOR_OPTIONS.batchSize;
    this.blockMs = options.blockMs ?? DEFAULT_PROJECTOR_OPTIONS.blockMs;
    this.claimIdleMs = options.claimIdleMs ?? DEFAULT_PROJECTOR_OPTIONS.claimIdleMs;
  }

  /** True once the backlog present at start (own pending, then new entries) has been applied. */
  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  async start(): Promise<void> {
    const { redis, stream } = this.options;
    try {
      // From 0: a group created now must see the whole stream, seed snapshot included.
      await redis.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('BUSYGROUP')) throw err;
    }
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
        await this.claimIdle();
        const entries = await this.readGroup('>');
        if (entries.length > 0) await this.process(entries);
        // A short batch means the read reached the end of the stream (heartbeats keep it from
        // ever being empty for long).
        if (entries.length < this.batchSize) this.markCaughtUp();
      } catch (err) {
        if (this.stopping) return;
        this.options.log.warn({ err }, 'projection read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.blockMs));
      }
    }
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

  /** Take over what a consumer that died for good (another name) left pending. */
  private async claimIdle(): Promise<void> {
    const now = Date.now();
    if (now - this.lastClaimAt < this.claimIdleMs) return;
    this.lastClaimAt = now;
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
      const outcome = await applyEntries(redis, keys, ns, entries, true);
      // A rebuild swapped namespaces mid-batch: apply the batch again to the new one (the
      // entries already there are skipped by version).
      if (outcome.moved) continue;
      await redis.xack(stream, this.group, ...entries.map((e) => e.id));
      this.options.onBatch?.(outcome);
      return;
    }
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.options.log.info('projection caught up');
  }
}
