import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type DataDirLock, lockDataDir } from '@edge/common';
import { encodedLine, ORDER_EVENTS_FILE, type OrderEvent } from '@edge/order-events';
import { writeFileAtomic } from './atomic-file.js';
import { EventSegmentWriter } from './event-segment-writer.js';
import { InProcessLeases } from './in-process-leases.js';
import type { CancelRequest, Saga, SagaStatus } from './saga.js';
import { compensatingSince, DEFAULT_SAGA_RETENTION_MS, expiresAt } from './saga-retention.js';
import {
  type Claim,
  type ClaimRequest,
  type CompensationStats,
  type Created,
  claimEachDue,
  claimInProcess,
  countStatuses,
  type DlqStats,
  type Lease,
  LeaseLostError,
  type SagaStore,
  type StatusCounts,
} from './saga-store.js';

export interface FileSagaStoreOptions {
  /** Directory holding one JSON file per saga; created when missing. */
  dir: string;
  /** fsync every write, file and directory (survives power loss, not only kill -9); default true. */
  fsync?: boolean;
  /** Finished sagas are deleted this long after they finished; default 30 days. */
  retentionMs?: number;
  /** The order event log starts its next segment file past this many bytes; default 1 MiB. */
  eventSegmentBytes?: number;
}

/** What a second process on the same data directory would do: said when it is refused. */
const SAGA_FILES_WHY = 'two processes driving the same saga files would send the same refund twice';

/**
 * Embedded store for one process, which it enforces: `open` locks the directory and a second
 * process refuses to start (`DATA_DIR_LOCKED`). The files are the truth and the maps are
 * indexes rebuilt from them at open. Each saga write is one atomic rename, so kill -9 leaves every saga at one of its
 * persisted versions. Leases live in memory (`InProcessLeases`).
 */
export class FileSagaStore implements SagaStore {
  private readonly sagas = new Map<string, Saga>();
  private readonly byClientKey = new Map<string, string>();
  /** Creates being written, by client key: a concurrent create with the key waits for it. */
  private readonly creating = new Map<string, Promise<unknown>>();
  private readonly byOrderId = new Map<string, string>();
  private readonly cancels = new Map<string, CancelRequest>();
  private readonly leases = new InProcessLeases();
  private lock: DataDirLock | undefined;
  private readonly events: EventSegmentWriter;

  private constructor(
    private readonly dir: string,
    private readonly fsync: boolean,
    private readonly retentionMs: number,
    eventSegmentBytes: number | undefined,
  ) {
    this.events = new EventSegmentWriter({
      base: this.eventsFile,
      fsync,
      segmentBytes: eventSegmentBytes,
    });
  }

  static async open(options: FileSagaStoreOptions): Promise<FileSagaStore> {
    const store = new FileSagaStore(
      options.dir,
      options.fsync ?? true,
      options.retentionMs ?? DEFAULT_SAGA_RETENTION_MS,
      options.eventSegmentBytes,
    );
    await mkdir(options.dir, { recursive: true });
    store.lock = await lockDataDir(options.dir, SAGA_FILES_WHY);
    try {
      await store.load();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Segment 0 of the embedded order event log (JSON lines) the consumers process tails; later
   * segments sit beside it (`segmentFile` in `@edge/order-events`).
   */
  get eventsFile(): string {
    return join(this.dir, 'events', ORDER_EVENTS_FILE);
  }

  private path(kind: 'sagas' | 'cancels', id: string): string {
    return join(this.dir, kind, `${id}.json`);
  }

  private async load(): Promise<void> {
    await mkdir(join(this.dir, 'sagas'), { recursive: true });
    await mkdir(join(this.dir, 'cancels'), { recursive: true });
    await mkdir(join(this.dir, 'events'), { recursive: true });
    for (const name of await readdir(join(this.dir, 'sagas'))) {
      if (name.endsWith('.tmp')) {
        // A write interrupted before its rename: the previous version is still in place.
        await unlink(join(this.dir, 'sagas', name));
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const saga = JSON.parse(await readFile(join(this.dir, 'sagas', name), 'utf8')) as Saga;
      this.index(saga);
    }
    for (const name of await readdir(join(this.dir, 'cancels'))) {
      if (!name.endsWith('.json')) continue;
      const request = JSON.parse(
        await readFile(join(this.dir, 'cancels', name), 'utf8'),
      ) as CancelRequest;
      this.cancels.set(name.slice(0, -'.json'.length), request);
    }
  }

  private index(saga: Saga): void {
    this.sagas.set(saga.id, saga);
    this.byClientKey.set(saga.clientKey, saga.id);
    if (saga.context.orderId) this.byOrderId.set(saga.context.orderId, saga.id);
  }

  async create(saga: Saga, claimAs?: ClaimRequest): Promise<Created> {
    // A create with this key is being written: its outcome decides (its saga, or a retry here
    // if its write failed), never a second saga for the key.
    const pending = this.creating.get(saga.clientKey);
    if (pending) {
      await pending.catch(() => undefined);
      return this.create(saga, claimAs);
    }
    const existing = this.byClientKey.get(saga.clientKey);
    const stored = existing ? this.sagas.get(existing) : undefined;
    if (stored) return { saga: stored, created: false };
    const write = writeFileAtomic(this.path('sagas', saga.id), JSON.stringify(saga), this.fsync);
    this.creating.set(saga.clientKey, write);
    try {
      await write;
    } finally {
      this.creating.delete(saga.clientKey);
    }
    this.index(saga);
    const claim = claimAs && (await this.claim(saga.id, claimAs.owner, claimAs.ttlMs));
    return { saga, created: true, ...(claim ? { claim } : {}) };
  }

  async get(id: string): Promise<Saga | undefined> {
    return this.sagas.get(id);
  }

  async getByOrderId(orderId: string): Promise<Saga | undefined> {
    const id = this.byOrderId.get(orderId);
    return id ? this.sagas.get(id) : undefined;
  }

  async acquireLease(sagaId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const saga = this.sagas.get(sagaId);
    if (!saga) return undefined;
    return this.leases.acquire(sagaId, owner, ttlMs);
  }

  claim(sagaId: string, owner: string, ttlMs: number): Promise<Claim | undefined> {
    return claimInProcess(this, { sagaId, owner, ttlMs });
  }

  claimDue(now: number, limit: number, owner: string, ttlMs: number): Promise<Claim[]> {
    return claimEachDue(this, { now, limit, owner, ttlMs });
  }

  async save(
    saga: Saga,
    lease: Lease,
    ttlMs: number,
    events: readonly OrderEvent[] = [],
  ): Promise<CancelRequest | undefined> {
    await this.write(saga, lease, events);
    this.leases.extend(saga.id, ttlMs);
    return this.cancels.get(saga.id);
  }

  /** The due time is the record's own `dueAt` (and an unseen cancel's "now", see dueIds). */
  async saveAndRelease(saga: Saga, lease: Lease, events: readonly OrderEvent[] = []) {
    await this.write(saga, lease, events);
    this.leases.drop(saga.id);
  }

  private async write(saga: Saga, lease: Lease, events: readonly OrderEvent[]): Promise<void> {
    if (!this.leases.holds(lease) || lease.sagaId !== saga.id) throw new LeaseLostError(saga.id);
    if (events.length > 0) {
      // Appended before the saga write: a crash between the two repeats the events on resume
      // (at least once, same event ids), and consumers dedupe by id, rather than losing them.
      await this.events.append(events.map((e) => encodedLine(e)).join(''));
    }
    await writeFileAtomic(this.path('sagas', saga.id), JSON.stringify(saga), this.fsync);
    this.index(saga);
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    return this.leases.renew(lease, ttlMs);
  }

  async release(lease: Lease, dueAt: number | null): Promise<void> {
    if (!this.leases.holds(lease)) return;
    const saga = this.sagas.get(lease.sagaId);
    // Written while still holding the lease, so no other writer can interleave.
    if (saga && saga.dueAt !== dueAt) {
      const next = { ...saga, dueAt };
      await writeFileAtomic(this.path('sagas', saga.id), JSON.stringify(next), this.fsync);
      this.index(next);
    }
    this.leases.drop(lease.sagaId);
  }

  async dueIds(now: number, limit: number): Promise<string[]> {
    const due: Array<[number, string]> = [];
    for (const saga of this.sagas.values()) {
      if (this.leases.leasedAt(saga.id, now)) continue;
      const dueAt = this.cancelUnseen(saga) ? now : saga.dueAt;
      if (dueAt === null || dueAt > now) continue;
      due.push([dueAt, saga.id]);
    }
    due.sort((a, b) => a[0] - b[0]);
    return due.slice(0, limit).map(([, id]) => id);
  }

  async listByStatus(status: SagaStatus, limit: number): Promise<Saga[]> {
    const found: Saga[] = [];
    for (const saga of this.sagas.values()) {
      if (saga.state.status === status) found.push(saga);
    }
    found.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return found.slice(0, limit);
  }

  async countByStatus(): Promise<StatusCounts> {
    return countStatuses(this.sagas.values());
  }

  async dlqStats(): Promise<DlqStats> {
    let depth = 0;
    let oldestAt: number | null = null;
    for (const saga of this.sagas.values()) {
      if (saga.state.status !== 'dead_lettered') continue;
      depth++;
      const at = Date.parse(saga.state.at);
      oldestAt = oldestAt === null ? at : Math.min(oldestAt, at);
    }
    return { depth, oldestAt };
  }

  async compensationStats(): Promise<CompensationStats> {
    let pending = 0;
    let oldestSince: number | null = null;
    for (const saga of this.sagas.values()) {
      const since = compensatingSince(saga);
      if (since === null) continue;
      pending++;
      oldestSince = oldestSince === null ? since : Math.min(oldestSince, since);
    }
    return { pending, oldestSince };
  }

  async sweepExpired(now: number): Promise<number> {
    let swept = 0;
    for (const saga of [...this.sagas.values()]) {
      const at = expiresAt(saga, this.retentionMs);
      if (at === null || at > now || this.leases.kept(saga.id)) continue;
      // The file goes first: a crash after it leaves nothing that load() would bring back.
      await unlink(this.path('sagas', saga.id));
      await unlink(this.path('cancels', saga.id)).catch(() => undefined);
      this.sagas.delete(saga.id);
      this.byClientKey.delete(saga.clientKey);
      if (saga.context.orderId) this.byOrderId.delete(saga.context.orderId);
      this.cancels.delete(saga.id);
      swept++;
    }
    return swept;
  }

  async requestCancel(sagaId: string, request: CancelRequest): Promise<CancelRequest> {
    const existing = this.cancels.get(sagaId);
    if (existing) return existing;
    if (!this.sagas.has(sagaId)) throw new Error(`no saga ${sagaId}`);
    this.cancels.set(sagaId, request);
    await writeFileAtomic(this.path('cancels', sagaId), JSON.stringify(request), this.fsync);
    return request;
  }

  /**
   * A cancel the saga has not recorded yet makes it due at once; deriving this instead of
   * rewriting the saga file keeps every saga file written by its lease holder only.
   */
  private cancelUnseen(saga: Saga): boolean {
    if (!this.cancels.has(saga.id)) return false;
    if (
      saga.state.status !== 'running' &&
      saga.state.status !== 'pending' &&
      saga.state.status !== 'completed'
    ) {
      return false;
    }
    return !saga.history.some((e) => e.type === 'cancel_requested');
  }

  async getCancelRequest(sagaId: string): Promise<CancelRequest | undefined> {
    return this.cancels.get(sagaId);
  }

  async close(): Promise<void> {
    await this.lock?.release();
    this.lock = undefined;
  }
}
