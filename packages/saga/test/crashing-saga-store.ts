import type { OrderEvent } from '@edge/order-events';
import type { CancelRequest, Saga, SagaStatus } from '../src/saga';
import type { ClaimRequest, DlqStats, Lease, SagaStore } from '../src/saga-store';

export class SimulatedCrash extends Error {
  constructor(write: number) {
    super(`simulated crash before write ${write}`);
    this.name = 'SimulatedCrash';
  }
}

/**
 * Lets `allowedWrites` writes through, then fails every later call as if the process had died
 * right there, so a test can stop a saga between any two of its writes.
 */
export class CrashingSagaStore implements SagaStore {
  writes = 0;
  private crashed = false;

  constructor(
    private readonly inner: SagaStore,
    private readonly allowedWrites: number,
  ) {}

  get hasCrashed(): boolean {
    return this.crashed;
  }

  private async write<T>(run: () => Promise<T>): Promise<T> {
    if (this.crashed || this.writes >= this.allowedWrites) {
      this.crashed = true;
      throw new SimulatedCrash(this.writes + 1);
    }
    this.writes++;
    return run();
  }

  private async read<T>(run: () => Promise<T>): Promise<T> {
    if (this.crashed) throw new SimulatedCrash(this.writes + 1);
    return run();
  }

  create(saga: Saga, claimAs?: ClaimRequest) {
    return this.write(() => this.inner.create(saga, claimAs));
  }
  get(id: string) {
    return this.read(() => this.inner.get(id));
  }
  getByOrderId(orderId: string) {
    return this.read(() => this.inner.getByOrderId(orderId));
  }
  acquireLease(sagaId: string, owner: string, ttlMs: number) {
    return this.write(() => this.inner.acquireLease(sagaId, owner, ttlMs));
  }
  claim(sagaId: string, owner: string, ttlMs: number) {
    return this.write(() => this.inner.claim(sagaId, owner, ttlMs));
  }
  claimDue(now: number, limit: number, owner: string, ttlMs: number) {
    return this.write(() => this.inner.claimDue(now, limit, owner, ttlMs));
  }
  save(saga: Saga, lease: Lease, ttlMs: number, events?: readonly OrderEvent[], previous?: Saga) {
    return this.write(() => this.inner.save(saga, lease, ttlMs, events, previous));
  }
  saveAndRelease(saga: Saga, lease: Lease, events?: readonly OrderEvent[], previous?: Saga) {
    return this.write(() => this.inner.saveAndRelease(saga, lease, events, previous));
  }
  renewLease(lease: Lease, ttlMs: number) {
    return this.write(() => this.inner.renewLease(lease, ttlMs));
  }
  release(lease: Lease, dueAt: number | null) {
    return this.write(() => this.inner.release(lease, dueAt));
  }
  dueIds(now: number, limit: number) {
    return this.read(() => this.inner.dueIds(now, limit));
  }
  listByStatus(status: SagaStatus, limit: number) {
    return this.read(() => this.inner.listByStatus(status, limit));
  }
  countByStatus() {
    return this.read(() => this.inner.countByStatus());
  }
  dlqStats(): Promise<DlqStats> {
    return this.read(() => this.inner.dlqStats());
  }
  compensationStats() {
    return this.read(() => this.inner.compensationStats());
  }
  sweepExpired(now: number) {
    return this.write(() => this.inner.sweepExpired(now));
  }
  requestCancel(sagaId: string, request: CancelRequest) {
    return this.write(() => this.inner.requestCancel(sagaId, request));
  }
  getCancelRequest(sagaId: string) {
    return this.read(() => this.inner.getCancelRequest(sagaId));
  }
  close() {
    return this.inner.close();
  }
}
