import { InProcessLeases } from '../src/in-process-leases';
import type { CancelRequest, Saga, SagaStatus } from '../src/saga';
import { compensatingSince } from '../src/saga-retention';
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
} from '../src/saga-store';

/**
 * A SagaStore in memory whose leases and due times follow an injected clock, so a simulation
 * can run days of retries in milliseconds. Same fencing rules as the real stores.
 */
export class ClockedSagaStore implements SagaStore {
  private readonly sagas = new Map<string, Saga>();
  private readonly byClientKey = new Map<string, string>();
  private readonly cancels = new Map<string, CancelRequest>();
  private readonly leases: InProcessLeases;

  constructor(now: () => number) {
    this.leases = new InProcessLeases(now);
  }

  async create(saga: Saga, claimAs?: ClaimRequest): Promise<Created> {
    const existing = this.byClientKey.get(saga.clientKey);
    const stored = existing === undefined ? undefined : this.sagas.get(existing);
    if (stored) return { saga: stored, created: false };
    this.sagas.set(saga.id, saga);
    this.byClientKey.set(saga.clientKey, saga.id);
    const claim = claimAs && (await this.claim(saga.id, claimAs.owner, claimAs.ttlMs));
    return { saga, created: true, ...(claim ? { claim } : {}) };
  }

  async get(id: string): Promise<Saga | undefined> {
    return this.sagas.get(id);
  }

  async getByOrderId(orderId: string): Promise<Saga | undefined> {
    return [...this.sagas.values()].find((s) => s.context.orderId === orderId);
  }

  async acquireLease(sagaId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    if (!this.sagas.has(sagaId)) return undefined;
    return this.leases.acquire(sagaId, owner, ttlMs);
  }

  claim(sagaId: string, owner: string, ttlMs: number): Promise<Claim | undefined> {
    return claimInProcess(this, { sagaId, owner, ttlMs });
  }

  claimDue(now: number, limit: number, owner: string, ttlMs: number): Promise<Claim[]> {
    return claimEachDue(this, { now, limit, owner, ttlMs });
  }

  async save(saga: Saga, lease: Lease, ttlMs: number) {
    if (!this.leases.holds(lease)) throw new LeaseLostError(saga.id);
    this.sagas.set(saga.id, saga);
    this.leases.extend(saga.id, ttlMs);
    return this.cancels.get(saga.id);
  }

  async saveAndRelease(saga: Saga, lease: Lease) {
    if (!this.leases.holds(lease)) throw new LeaseLostError(saga.id);
    this.sagas.set(saga.id, saga);
    this.leases.drop(saga.id);
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    return this.leases.renew(lease, ttlMs);
  }

  async release(lease: Lease, dueAt: number | null): Promise<void> {
    if (!this.leases.holds(lease)) return;
    const saga = this.sagas.get(lease.sagaId);
    if (saga) this.sagas.set(saga.id, { ...saga, dueAt });
    this.leases.drop(lease.sagaId);
  }

  async dueIds(now: number, limit: number): Promise<string[]> {
    return [...this.sagas.values()]
      .filter((s) => s.dueAt !== null && s.dueAt <= now && !this.leases.leasedAt(s.id, now))
      .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0))
      .slice(0, limit)
      .map((s) => s.id);
  }

  /** The earliest time anything is due, for the simulation to jump to; undefined when idle. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const saga of this.sagas.values()) {
      const leaseEnd = this.leases.expiresAt(saga.id);
      const due = saga.dueAt === null ? undefined : Math.max(saga.dueAt, leaseEnd ?? 0);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  async listByStatus(status: SagaStatus, limit: number): Promise<Saga[]> {
    return [...this.sagas.values()].filter((s) => s.state.status === status).slice(0, limit);
  }

  async countByStatus(): Promise<StatusCounts> {
    return countStatuses(this.sagas.values());
  }

  async dlqStats(): Promise<DlqStats> {
    const dead = [...this.sagas.values()].filter((s) => s.state.status === 'dead_lettered');
    const times = dead.map((s) => Date.parse(s.updatedAt));
    return { depth: dead.length, oldestAt: times.length ? Math.min(...times) : null };
  }

  async requestCancel(sagaId: string, request: CancelRequest): Promise<CancelRequest> {
    const existing = this.cancels.get(sagaId);
    if (existing) return existing;
    this.cancels.set(sagaId, request);
    return request;
  }

  async getCancelRequest(sagaId: string): Promise<CancelRequest | undefined> {
    return this.cancels.get(sagaId);
  }

  async compensationStats(): Promise<CompensationStats> {
    const since = [...this.sagas.values()].map(compensatingSince).filter((t) => t !== null);
    return { pending: since.length, oldestSince: since.length > 0 ? Math.min(...since) : null };
  }

  /** Simulations run for days of clock but keep every saga: nothing expires here. */
  async sweepExpired(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {}
}
