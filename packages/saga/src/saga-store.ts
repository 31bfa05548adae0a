import type { OrderEvent } from '@edge/order-events';
import { type CancelRequest, SAGA_STATUSES, type Saga, type SagaStatus } from './saga.js';

/** Proof that one worker owns a saga; `token` grows with every grant (fencing). */
export interface Lease {
  sagaId: string;
  owner: string;
  token: number;
}

export interface DlqStats {
  depth: number;
  /** Epoch ms of the oldest dead-lettered saga, null when the DLQ is empty. */
  oldestAt: number | null;
}

/** Sagas per status, every status present. */
export type StatusCounts = Record<SagaStatus, number>;

export interface CompensationStats {
  /** Sagas compensating now. */
  pending: number;
  /** Epoch ms since which the longest-compensating saga has been at it; null when none. */
  oldestSince: number | null;
}

/** A saga taken for driving: its lease, and the record and cancel request read with it. */
export interface Claim {
  lease: Lease;
  saga: Saga;
  cancel: CancelRequest | undefined;
}

/** Who takes a lease, and for how long. */
export interface ClaimRequest {
  owner: string;
  ttlMs: number;
}

/** What `create` stored; `claim` when it was asked to take the new saga's lease. */
export interface Created {
  saga: Saga;
  created: boolean;
  claim?: Claim;
}

/** Thrown by a write whose lease expired or was taken over: the writer must stop driving. */
export class LeaseLostError extends Error {
  constructor(sagaId: string) {
    super(`lease on saga ${sagaId} is no longer held`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Durable saga state. Every mutation is one atomic write, so a crash can only fall between two
 * of them; the engine is written so that any such prefix resumes correctly.
 */
export interface SagaStore {
  /**
   * Insert unless a saga with the same client key exists; returns whichever is stored. With
   * `claimAs`, a saga it inserts is leased to that owner in the same write, so the worker that
   * creates it starts driving without a claim of its own.
   */
  create(saga: Saga, claimAs?: ClaimRequest): Promise<Created>;
  get(id: string): Promise<Saga | undefined>;
  getByOrderId(orderId: string): Promise<Saga | undefined>;
  /**
   * Take the saga if nobody holds it. While held, its due time becomes the lease expiry, so a
   * worker that dies is replaced once the lease runs out.
   */
  acquireLease(sagaId: string, owner: string, ttlMs: number): Promise<Lease | undefined>;
  /**
   * `acquireLease` that also reads the record and its cancel request in the same step, so a
   * worker starts driving without a read of its own. Undefined when held or missing.
   */
  claim(sagaId: string, owner: string, ttlMs: number): Promise<Claim | undefined>;
  /**
   * Claim up to `limit` sagas whose due time has come, oldest first, in one step; sagas held by
   * someone else are skipped. What a worker's poll does.
   */
  claimDue(now: number, limit: number, owner: string, ttlMs: number): Promise<Claim[]>;
  /**
   * Replace the record (fenced by the lease, renewing it) and its indexes: due time, status,
   * DLQ, order id. `events` are appended to the order event stream in the same write, so an
   * event exists exactly when the transition that caused it does (transactional outbox).
   * Returns the cancel request on record, read in the same write, for the holder's next decision.
   * `previous` is the record as this holder last read or wrote it: a store may then write only
   * what changed (the Redis store appends history events instead of rewriting them).
   */
  save(
    saga: Saga,
    lease: Lease,
    ttlMs: number,
    events?: readonly OrderEvent[],
    previous?: Saga,
  ): Promise<CancelRequest | undefined>;
  /**
   * `save` and `release` as one write: the record is stored and the saga is due at its
   * `dueAt` (null: never by itself), unless a cancel it has not seen makes it due now.
   */
  saveAndRelease(
    saga: Saga,
    lease: Lease,
    events?: readonly OrderEvent[],
    previous?: Saga,
  ): Promise<void>;
  /**
   * Extend a held lease (and the saga's due time with it) while a call is in flight; false when
   * the lease is no longer this holder's, so the caller must abort.
   */
  renewLease(lease: Lease, ttlMs: number): Promise<boolean>;
  /**
   * Give the saga up; `dueAt` is when anyone should look at it next (null: never by itself),
   * unless a cancel it has not seen makes it due now.
   */
  release(lease: Lease, dueAt: number | null): Promise<void>;
  /** Ids whose due time has come, oldest first. */
  dueIds(now: number, limit: number): Promise<string[]>;
  /**
   * Up to `limit` sagas of one status, newest first. Which ones, when the status holds more, is
   * the store's to choose: the Redis store takes the oldest dead-lettered (those the DLQ age
   * alert is about) and otherwise whichever its set scan meets first.
   */
  listByStatus(status: SagaStatus, limit: number): Promise<Saga[]>;
  /** Every status's number of sagas, read from the indexes without reading a record. */
  countByStatus(): Promise<StatusCounts>;
  dlqStats(): Promise<DlqStats>;
  compensationStats(): Promise<CompensationStats>;
  /**
   * Remove what is left of finished sagas past their retention (the file store deletes the
   * sagas themselves; Redis expired them already and this drops their index entries).
   * Returns how many sagas were swept.
   */
  sweepExpired(now: number): Promise<number>;
  /** Record a cancel (first one wins) and make the saga due now; returns the stored request. */
  requestCancel(sagaId: string, request: CancelRequest): Promise<CancelRequest>;
  getCancelRequest(sagaId: string): Promise<CancelRequest | undefined>;
  close(): Promise<void>;
}

/** `countByStatus` for a store that holds every record in this process's memory. */
export function countStatuses(sagas: Iterable<Saga>): StatusCounts {
  const counts = Object.fromEntries(SAGA_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (const saga of sagas) counts[saga.state.status]++;
  return counts;
}

/**
 * `claim` for a store held in this process's memory, where the lease alone excludes every other
 * writer: take it, then read the record and the cancel request.
 */
export async function claimInProcess(
  store: Pick<SagaStore, 'acquireLease' | 'get' | 'getCancelRequest'>,
  request: { sagaId: string; owner: string; ttlMs: number },
): Promise<Claim | undefined> {
  const { sagaId } = request;
  const lease = await store.acquireLease(sagaId, request.owner, request.ttlMs);
  const saga = lease ? await store.get(sagaId) : undefined;
  if (!lease || !saga) return undefined;
  return { lease, saga, cancel: await store.getCancelRequest(sagaId) };
}

/**
 * `claimDue` for a store held in this process's memory: each due saga claimed in turn; a saga
 * taken meanwhile by someone else is simply not claimed (its lease is checked by `claim`).
 */
export async function claimEachDue(
  store: Pick<SagaStore, 'dueIds' | 'claim'>,
  request: { now: number; limit: number; owner: string; ttlMs: number },
): Promise<Claim[]> {
  const claims: Claim[] = [];
  for (const id of await store.dueIds(request.now, request.limit)) {
    const claim = await store.claim(id, request.owner, request.ttlMs);
    if (claim) claims.push(claim);
  }
  return claims;
}
