import { randomUUID } from 'node:crypto';
import type { Logger } from '@edge/common';
import { orderEventsOf } from './order-event-mapping.js';
import { runStep } from './order-saga.js';
import type { ProviderClient } from './provider-client.js';
import { chargeHeld, keptOnResolve, refundOwed } from './refund-owed.js';
import {
  assertNever,
  type CancelRequest,
  isActive,
  isForwardStep,
  type PlaceOrderInput,
  type Saga,
  type SagaContext,
  type SagaEvent,
  type SagaState,
  type StepEdit,
} from './saga.js';
import { decide, onStepOutcome, policyOf, type StepRun, startEvent } from './saga-decision.js';
import type { SagaPolicies } from './saga-policies.js';
import {
  type Claim,
  type Created,
  type Lease,
  LeaseLostError,
  type SagaStore,
} from './saga-store.js';
import { compensationReason } from './saga-timeline.js';
import { acceptsReplay } from './saga-view.js';
import { traceStep } from './step-span.js';

export interface SagaEngineOptions {
  store: SagaStore;
  providers: ProviderClient;
  policies: SagaPolicies;
  log: Logger;
  /** Name of this worker in leases; default a random id. */
  owner?: string;
  /** Clock in epoch ms; default Date.now. */
  now?: () => number;
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number;
  /** Called after every persisted transition (metrics, waiters). */
  onTransition?: (saga: Saga, event: SagaEvent | undefined) => void;
}

export type DriveResult = 'busy' | 'waiting' | 'idle';

/** Thrown for operator actions that do not fit the saga's status. */
export class SagaConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SagaConflictError';
  }
}

/**
 * Drives sagas: takes the lease, asks `decide` what is next, persists the intent, calls the
 * provider, and repeats until the saga waits or finishes. A call's outcome is written with the
 * next call's intent (or with the release), so a crash anywhere leaves either "started" (re-send
 * with the same key) or the outcome on record.
 */
export class SagaEngine {
  readonly owner: string;
  private readonly store: SagaStore;
  private readonly providers: ProviderClient;
  private readonly policies: SagaPolicies;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly onTransition: (saga: Saga, event: SagaEvent | undefined) => void;

  constructor(options: SagaEngineOptions) {
    this.store = options.store;
    this.providers = options.providers;
    this.policies = options.policies;
    this.log = options.log;
    this.owner = options.owner ?? `worker-${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.onTransition = options.onTransition ?? (() => {});
  }

  /**
   * Create a place-order saga, or return the one already created under this client key. With
   * `claim`, a saga it creates is leased to this engine in the same write (for `driveClaimed`).
   */
  async start(
    clientKey: string,
    input: PlaceOrderInput,
    options: { traceparent?: string | undefined; claim?: boolean } = {},
  ): Promise<Created> {
    const now = this.now();
    const at = new Date(now).toISOString();
    const { traceparent } = options;
    const saga: Saga = {
      id: `sg-${randomUUID()}`,
      type: 'place_order',
      clientKey,
      input,
      state: { status: 'pending' },
      context: {},
      history: [{ type: 'saga_created', clientKey, input, at }],
      createdAt: at,
      updatedAt: at,
      dueAt: now,
      ...(traceparent ? { traceparent } : {}),
    };
    const created = await this.store.create(
      saga,
      options.claim ? { owner: this.owner, ttlMs: this.policies.leaseTtlMs } : undefined,
    );
    // The first history event is written by create, not by a transition: report it here so
    // saga_events_total{type="saga_created"} counts new sagas (a repeated key creates none).
    if (created.created) this.onTransition(created.saga, saga.history[0]);
    return created;
  }

  async cancel(sagaId: string, request: CancelRequest): Promise<CancelRequest> {
    return this.store.requestCancel(sagaId, request);
  }

  /** Run a saga as far as it can go now. Store failures propagate: the lease then expires. */
  async drive(sagaId: string): Promise<DriveResult> {
    const claim = await this.store.claim(sagaId, this.owner, this.policies.leaseTtlMs);
    if (!claim) return 'busy';
    return this.driveClaimed(claim);
  }

  /**
   * Run a claimed saga as far as it can go now. While the lease is held nobody else writes the
   * record, so the engine keeps it in memory and writes only when it must: the intent before
   * each provider call (with whatever the previous call and its transitions added: one write per
   * step), and once more with the release. A crash before a write loses only what a crash
   * between a call and its outcome always could: the start is on record, the step is re-sent
   * under the same key. A store failure propagates without a release: the lease expires and the
   * saga is due again.
   */
  async driveClaimed(claim: Claim): Promise<DriveResult> {
    const { lease } = claim;
    const held: HeldSaga = { persisted: claim.saga, saga: claim.saga, unwritten: [] };
    let cancel = claim.cancel;
    for (;;) {
      const now = this.now();
      const decision = decide(held.saga, cancel, now);
      switch (decision.kind) {
        case 'idle':
          await this.finish(held, lease, null);
          return 'idle';
        case 'wait':
          await this.finish(held, lease, decision.dueAt);
          return 'waiting';
        case 'transition':
          this.advance(held, { state: decision.state, events: decision.events });
          continue;
        case 'run':
          cancel = await this.runStep(held, lease, decision.run, now);
          continue;
        default:
          return assertNever(decision);
      }
    }
  }

  /**
   * The one path every step takes: write the start (a crash from here on re-runs the step under
   * the same keys), run it holding the lease, keep what came of it for the next write. Returns
   * the cancel request the write found on record.
   */
  private async runStep(
    held: HeldSaga,
    lease: Lease,
    run: StepRun,
    now: number,
  ): Promise<CancelRequest | undefined> {
    const { step, attempt } = run;
    const forward = isForwardStep(step);
    this.advance(held, {
      state: forward ? { status: 'running' } : held.saga.state,
      events: [startEvent(held.saga.id, run, new Date(now).toISOString())],
    });
    // The lease holds for its TTL from the write at the latest: timed from before it is sent.
    const confirmedAt = performance.now();
    const cancel = await this.write(held, lease);
    const started = held.saga;
    const { policy } = policyOf(this.policies, step);
    const { outcome, context } = await this.holdingLease(lease, confirmedAt, (signal) =>
      traceStep(
        started,
        { phase: forward ? 'forward' : 'compensation', name: step, attempt, worker: this.owner },
        () =>
          runStep({
            saga: started,
            step,
            cause: run.cause,
            verifyFirst: run.verifyFirst,
            client: this.providers,
            timeoutMs: policy.timeoutMs,
            signal,
          }),
      ),
    );
    const result = onStepOutcome({
      saga: started,
      run,
      outcome,
      context,
      now: this.now(),
      policies: this.policies,
      random: this.random,
    });
    this.advance(held, result);
    return cancel;
  }

  /**
   * Run a provider call while renewing the lease, so a slow chain never lets another worker in.
   * If a renewal finds the lease gone, the call is aborted and the run ends without a write:
   * the new holder re-runs the step under the same keys, never alongside this one. Renewals
   * that fail or hang (a store that does not answer) confirm nothing: the lease is known to
   * hold only for its TTL from when the last confirmed write or renewal was sent, and the call
   * is aborted half a TTL before that, before another worker could claim the saga.
   */
  private async holdingLease<T>(
    lease: Lease,
    confirmedAt: number,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const ttlMs = this.policies.leaseTtlMs;
    const periodMs = Math.max(1, Math.floor(ttlMs / 3));
    let heldUntil = confirmedAt + ttlMs;
    const renew = async () => {
      const sentAt = performance.now();
      try {
        if (await this.store.renewLease(lease, ttlMs)) {
          heldUntil = Math.max(heldUntil, sentAt + ttlMs);
        } else {
          controller.abort();
        }
      } catch (err) {
        // The lease still holds until its expiry; the next renewal or write will tell.
        this.log.warn({ err, sagaId: lease.sagaId }, 'lease renewal failed');
      }
    };
    const tick = () => {
      // Half a period more than one: a timer may fire a little early or late.
      if (performance.now() >= heldUntil - 1.5 * periodMs) {
        this.log.warn(
          { sagaId: lease.sagaId },
          'lease not confirmed in time: call aborted before the lease could pass to another worker',
        );
        controller.abort();
        return;
      }
      void renew();
    };
    const timer = setInterval(tick, periodMs);
    try {
      const result = await call(controller.signal);
      if (controller.signal.aborted) throw new LeaseLostError(lease.sagaId);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * A transition decided while holding the lease, kept in memory until the next write. The due
   * time while driving is the lease expiry, so a crash hands the saga to another worker once
   * the lease runs out; `retryAt` is when a retry or a parked step falls due.
   */
  private advance(
    held: HeldSaga,
    change: {
      state: SagaState;
      events: SagaEvent[];
      context?: SagaContext;
      retryAt?: number;
      replaces?: number;
    },
  ): void {
    const now = this.now();
    const { saga } = held;
    const kept =
      change.replaces === undefined ? saga.history : saga.history.slice(0, -change.replaces);
    held.saga = {
      ...saga,
      state: change.state,
      context: change.context ?? saga.context,
      history: [...kept, ...change.events],
      updatedAt: new Date(now).toISOString(),
      dueAt: nextDueAt(change.state, change.retryAt, now, this.policies.leaseTtlMs),
    };
    held.unwritten.push(...change.events);
  }

  /** One atomic write of everything decided since the last one; renews the lease. */
  private async write(held: HeldSaga, lease: Lease): Promise<CancelRequest | undefined> {
    const { persisted, saga } = held;
    const cancel = await this.store.save(
      saga,
      lease,
      this.policies.leaseTtlMs,
      orderEventsOf(persisted, saga),
      persisted,
    );
    this.written(held);
    return cancel;
  }

  /** The last write: what is left, and the lease given up, due at `dueAt`. */
  private async finish(held: HeldSaga, lease: Lease, dueAt: number | null): Promise<void> {
    if (held.saga === held.persisted) {
      await this.store.release(lease, dueAt);
      return;
    }
    held.saga = { ...held.saga, dueAt };
    const { persisted, saga } = held;
    await this.store.saveAndRelease(saga, lease, orderEventsOf(persisted, saga), persisted);
    this.written(held);
  }

  private written(held: HeldSaga): void {
    const events = held.unwritten.splice(0);
    held.persisted = held.saga;
    for (const event of events) this.onTransition(held.saga, event);
    if (events.length === 0) this.onTransition(held.saga, undefined);
  }

  /**
   * Give a dead-lettered, stuck or parked saga a fresh horizon and schedule it now (a parked
   * step is tried at once: the operator knows the provider is back before its Retry-After
   * ends). `edit` changes a step's input first, computed from the saga as held under the
   * lease; only a dead-lettered saga is edited, since a stuck one may have that very request in
   * flight.
   */
  async replay(
    sagaId: string,
    actor: string,
    reason: string,
    edit?: (saga: Saga) => StepEdit,
  ): Promise<Saga> {
    return this.operate(sagaId, (saga, at) => {
      const { state } = saga;
      const accepted = edit
        ? state.status === 'dead_lettered'
        : acceptsReplay(saga, this.isStuck(saga));
      if (!accepted) {
        throw new SagaConflictError(
          `saga ${saga.id} is ${state.status}, not dead-lettered${edit ? '' : ', stuck or parked'}`,
        );
      }
      const stepEdit = edit?.(saga);
      const resumed: SagaState =
        state.status === 'dead_lettered'
          ? state.phase === 'forward'
            ? { status: 'running' }
            : {
                status: 'compensating',
                cause: state.cause ?? 'failure',
                reason: compensationReason(saga) ?? state.reason,
              }
          : state;
      return {
        state: resumed,
        events: [{ type: 'replayed', actor, reason, at, ...(stepEdit ? { edit: stepEdit } : {}) }],
        dueAt: Date.parse(at),
      };
    });
  }

  /**
   * Mark a dead-lettered or stuck saga as settled by hand. One that still owes a refund has its
   * charge looked up first (before the lease: a provider call is not held under it): money the
   * provider still holds, or may hold when the lookup fails, is left only with `keepCharge`,
   * and the resolved event records it as kept (`keptCents`), so reconciliation accounts for it.
   */
  async resolve(
    sagaId: string,
    actor: string,
    reason: string,
    options: { keepCharge?: boolean } = {},
  ): Promise<Saga> {
    const seen = await this.store.get(sagaId);
    if (!seen) throw new SagaNotFoundError(sagaId);
    this.assertResolvable(seen);
    const owed = refundOwed(seen) !== undefined;
    const keptCents = owed
      ? keptOnResolve(seen, await chargeHeld(seen, this.providers), options.keepCharge === true)
      : undefined;
    return this.operate(sagaId, (saga, at) => {
      this.assertResolvable(saga);
      if (owed && saga.updatedAt !== seen.updatedAt) {
        throw new SagaConflictError(
          `saga ${saga.id} changed while its charge was looked up; try again`,
        );
      }
      const why = keptCents ? `${reason}; ${keptCents} cents kept` : reason;
      return {
        state: { status: 'resolved', actor, reason: why },
        events: [
          {
            type: 'resolved',
            actor,
            reason: why,
            at,
            ...(keptCents === undefined ? {} : { keptCents }),
          },
        ],
        dueAt: null,
      };
    });
  }

  private assertResolvable(saga: Saga): void {
    if (saga.state.status !== 'dead_lettered' && !this.isStuck(saga)) {
      throw new SagaConflictError(
        `saga ${saga.id} is ${saga.state.status}, not dead-lettered or stuck`,
      );
    }
  }

  /**
   * Active, unchanged for `stuckAfterMs`, and not waiting for a time it was given (a retry, a
   * deferral, a park until the provider's Retry-After, a worker's lease): a saga the engine is
   * not getting to. A parked refund is waiting as told, not stuck.
   */
  isStuck(saga: Saga): boolean {
    const { status } = saga.state;
    if (!isActive(status)) return false;
    const now = this.now();
    if (saga.dueAt !== null && saga.dueAt > now) return false;
    return now - Date.parse(saga.updatedAt) > this.policies.stuckAfterMs;
  }

  private async operate(
    sagaId: string,
    change: (
      saga: Saga,
      at: string,
    ) => { state: SagaState; events: SagaEvent[]; dueAt: number | null },
  ): Promise<Saga> {
    const claim = await this.store.claim(sagaId, this.owner, this.policies.leaseTtlMs);
    if (!claim) {
      const exists = await this.store.get(sagaId);
      if (!exists) throw new SagaNotFoundError(sagaId);
      throw new SagaConflictError(`saga ${sagaId} is being driven by a worker; try again shortly`);
    }
    const { lease, saga } = claim;
    let applied: ReturnType<typeof change>;
    try {
      applied = change(saga, new Date(this.now()).toISOString());
    } catch (error) {
      await this.store.release(lease, saga.dueAt);
      throw error;
    }
    const held: HeldSaga = { persisted: saga, saga, unwritten: [] };
    this.advance(held, { state: applied.state, events: applied.events });
    await this.finish(held, lease, applied.dueAt);
    const next = held.saga;
    this.log.info({ sagaId, events: applied.events.map((e) => e.type) }, 'operator action');
    return next;
  }
}

/** A saga while its lease is held: what the store has, and what the engine decided since. */
interface HeldSaga {
  persisted: Saga;
  saga: Saga;
  /** Events in `saga` not written yet, reported to `onTransition` once they are. */
  unwritten: SagaEvent[];
}

export class SagaNotFoundError extends Error {
  constructor(sagaId: string) {
    super(`no saga ${sagaId}`);
    this.name = 'SagaNotFoundError';
  }
}

function nextDueAt(
  state: SagaState,
  dueAt: number | null | undefined,
  now: number,
  leaseTtlMs: number,
): number | null {
  switch (state.status) {
    case 'completed':
    case 'compensated':
    case 'resolved':
    case 'dead_lettered':
      return null;
    case 'pending':
    case 'running':
    case 'compensating':
      return dueAt ?? now + leaseTtlMs;
    default:
      return assertNever(state);
  }
}
