import type { CancelRequest, Saga, SagaStatus } from '../src/saga';
import { compensatingSince } from '../src/saga-retention';
import {
  type Claim,
  type CompensationStats,
  claimEachDue,
  claimInProcess,
  type DlqStats,
  type Lease,
  LeaseLostError,
  type SagaStore,
} from '../src/saga-store';

/**
 * A SagaStore in memory whose leases and due times follow an injected clock, so a simulation
 * can run days of retries in milliseconds. Same fencing rules as the real stores.
 */
export class ClockedSagaStore implements SagaStore {
  private readonly sagas = new Map<string, Saga>();
  private readonly byClientKey = new Map<string, string>();
  private readonly leases = new Map<string, { token: number; expiresAt: number }>();
  private readonly cancels = new Map<string, CancelRequest>();
  private fence = 0;

  constructor(private readonly now: () => number) {}

  async create(saga: Saga): Promise<{ saga: Saga; created: boolean }> {
    const existing = this.byClientKey.get(saga.clientKey);
    const stored = existing === undefined ? undefined : this.sagas.get(existing);
    if (stored) return { saga: stored, created: false };
    this.sagas.set(saga.id, saga);
    this.byClientKey.set(saga.clientKey, saga.id);
    return { saga, created: true };
  }

  async get(id: string): Promise<Saga | undefined> {
    return this.sagas.get(id);
  }

  async getByOrderId(orderId: string): Promise<Saga | undefined> {
    return [...this.sagas.values()].find((s) => s.context.orderId === orderId);
  }

  async acquireLease(sagaId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    if (!this.sagas.has(sagaId)) return undefined;
    const held = this.leases.get(sagaId);
    if (held && held.expiresAt > this.now()) return undefined;
    const token = ++this.fence;
    this.leases.set(sagaId, { token, expiresAt: this.now() + ttlMs });
    return { sagaId, owner, token };
  }

  claim(sagaId: string, owner: string, ttlMs: number): Promise<Claim | undefined> {
    return claimInProcess(this, { sagaId, owner, ttlMs });
  }

  claimDue(now: number, limit: number, owner: string, ttlMs: number): Promise<Claim[]> {
    return claimEachDue(this, { now, limit, owner, ttlMs });
  }

  private holds(lease: Lease): boolean {
    const held = this.leases.get(lease.sagaId);
    return held !== undefined && held.token === lease.token && held.expiresAt > this.now();
  }

  async save(saga: Saga, lease: Lease, ttlMs: number) {
    if (!this.holds(lease)) throw new LeaseLostError(saga.id);
    this.sagas.set(saga.id, saga);
    this.leases.set(saga.id, { token: lease.token, expiresAt: this.now() + ttlMs });
    return this.cancels.get(saga.id);
  }

  async saveAndRelease(saga: Saga, lease: Lease) {
    if (!this.holds(lease)) throw new LeaseLostError(saga.id);
    this.sagas.set(saga.id, saga);
    this.leases.delete(saga.id);
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    if (!this.holds(lease)) return false;
    this.leases.set(lease.sagaId, { token: lease.token, expiresAt: this.now() + ttlMs });
    return true;
  }

  async release(lease: Lease, dueAt: number | null): Promise<void> {
    if (!this.holds(lease)) return;
    const saga = this.sagas.get(lease.sagaId);
    if (saga) this.sagas.set(saga.id, { ...saga, dueAt });
    this.leases.delete(lease.sagaId);
  }

  async dueIds(now: number, limit: number): Promise<string[]> {
    return [...this.sagas.values()]
      .filter((s) => s.dueAt !== null && s.dueAt <= now && !this.leased(s.id, now))
      .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0))
      .slice(0, limit)
      .map((s) => s.id);
  }

  /** The earliest time anything is due, for the simulation to jump to; undefined when idle. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const saga of this.sagas.values()) {
      const leaseEnd = this.leases.get(saga.id)?.expiresAt;
      const due = saga.dueAt === null ? undefined : Math.max(saga.dueAt, leaseEnd ?? 0);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  private leased(sagaId: string, now: number): boolean {
    const held = this.leases.get(sagaId);
    return held !== undefined && held.expiresAt > now;
  }

  async listByStatus(status: SagaStatus, limit: number): Promise<Saga[]> {
    return [...this.sagas.values()].filter((s) => s.state.status === status).slice(0, limit);
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
