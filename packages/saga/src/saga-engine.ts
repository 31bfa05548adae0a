import { randomUUID } from 'node:crypto';
import type { Logger } from '@edge/common';
import { orderEventsOf } from './order-event-mapping.js';
import { runStep } from './order-saga.js';
import type { ProviderClient } from './provider-client.js';
import {
  assertNever,
  type CancelRequest,
  isForwardStep,
  isTerminal,
  type PlaceOrderInput,
  type Saga,
  type SagaEvent,
  type SagaState,
  type StepEdit,
} from './saga.js';
import { decide, onStepOutcome, policyOf, type StepRun, startEvent } from './saga-decision.js';
import type { SagaPolicies } from './saga-policies.js';
import { type Lease, LeaseLostError, type SagaStore } from './saga-store.js';
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
 * provider, persists the outcome, and repeats until the saga waits or finishes. Every provider
 * call is bracketed by two writes, so a crash anywhere leaves either "started" (re-send with the
 * same key) or the outcome on record.
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

  /** Create a place-order saga, or return the one already created under this client key. */
  async start(
    clientKey: string,
    input: PlaceOrderInput,
    traceparent?: string,
  ): Promise<{ saga: Saga; created: boolean }> {
    const now = this.now();
    const at = new Date(now).toISOString();
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
    const created = await this.store.create(saga);
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
    const lease = await this.store.acquireLease(sagaId, this.owner, this.policies.leaseTtlMs);
    if (!lease) return 'busy';
    // A store failure propagates without a release: the lease expires and the saga is due again.
    const { dueAt, result } = await this.driveHeld(sagaId, lease);
    await this.store.release(lease, dueAt);
    return result;
  }

  private async driveHeld(
    sagaId: string,
    lease: Lease,
  ): Promise<{ dueAt: number | null; result: DriveResult }> {
    for (;;) {
      const saga = await this.store.get(sagaId);
      if (!saga) return { dueAt: null, result: 'idle' };
      const cancel =
        saga.state.status === 'running' ||
        saga.state.status === 'pending' ||
        saga.state.status === 'completed'
          ? await this.store.getCancelRequest(sagaId)
          : undefined;
      const now = this.now();
      const decision = decide(saga, cancel, now);
      switch (decision.kind) {
        case 'idle':
          return { dueAt: null, result: 'idle' };
        case 'wait':
          return { dueAt: decision.dueAt, result: 'waiting' };
        case 'transition':
          await this.persist(saga, lease, decision.state, saga.context, decision.events, null);
          continue;
        case 'run':
          await this.runStep(saga, lease, decision.run, now);
          continue;
        default:
          return assertNever(decision);
      }
    }
  }

  /**
   * The one path every step takes: persist the start (a crash from here on re-runs the step
   * under the same keys), run it holding the lease, persist what came of it.
   */
  private async runStep(saga: Saga, lease: Lease, run: StepRun, now: number): Promise<void> {
    const { step, attempt } = run;
    const forward = isForwardStep(step);
    const started = await this.persist(
      saga,
      lease,
      forward ? { status: 'running' } : saga.state,
      saga.context,
      [startEvent(saga.id, run, new Date(now).toISOString())],
    );
    const { policy } = policyOf(this.policies, step);
    const { outcome, context } = await this.holdingLease(lease, (signal) =>
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
    const kept =
      result.replaces === undefined
        ? started
        : { ...started, history: started.history.slice(0, -result.replaces) };
    await this.persist(kept, lease, result.state, result.context, result.events, result.retryAt);
  }

  /**
   * Run a provider call while renewing the lease, so a slow chain never lets another worker in.
   * If a renewal finds the lease gone, the call is aborted and the run ends without a write:
   * the new holder re-runs the step under the same keys, never alongside this one.
   */
  private async holdingLease<T>(
    lease: Lease,
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const ttlMs = this.policies.leaseTtlMs;
    const renew = async () => {
      try {
        if (!(await this.store.renewLease(lease, ttlMs))) controller.abort();
      } catch (err) {
        // The lease still holds until its expiry; the next renewal or write will tell.
        this.log.warn({ err, sagaId: lease.sagaId }, 'lease renewal failed');
      }
    };
    const timer = setInterval(() => void renew(), Math.max(1, Math.floor(ttlMs / 3)));
    try {
      const result = await call(controller.signal);
      if (controller.signal.aborted) throw new LeaseLostError(lease.sagaId);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * One atomic write. `dueAt` undefined means "still driving": due at the lease expiry, so a
   * crash hands the saga to another worker once the lease runs out.
   */
  private async persist(
    saga: Saga,
    lease: Lease,
    state: SagaState,
    context: Saga['context'],
    events: SagaEvent[],
    dueAt?: number | null,
  ): Promise<Saga> {
    const now = this.now();
    const next: Saga = {
      ...saga,
      state,
      context,
      history: [...saga.history, ...events],
      updatedAt: new Date(now).toISOString(),
      dueAt: nextDueAt(state, dueAt, now, this.policies.leaseTtlMs),
    };
    await this.store.save(next, lease, this.policies.leaseTtlMs, orderEventsOf(saga, next));
    for (const event of events) this.onTransition(next, event);
    if (events.length === 0) this.onTransition(next, undefined);
    return next;
  }

  /**
   * Give a dead-lettered or stuck saga a fresh horizon and schedule it now. `edit` changes a
   * step's input first, computed from the saga as held under the lease; only a dead-lettered
   * saga is edited, since a stuck one may have that very request in flight.
   */
  async replay(
    sagaId: string,
    actor: string,
    reason: string,
    edit?: (saga: Saga) => StepEdit,
  ): Promise<Saga> {
    return this.operate(sagaId, (saga, at) => {
      const { state } = saga;
      if (state.status !== 'dead_lettered' && (edit || !this.isStuck(saga))) {
        throw new SagaConflictError(
          `saga ${saga.id} is ${state.status}, not dead-lettered${edit ? '' : ' or stuck'}`,
        );
      }
      const stepEdit = edit?.(saga);
      const resumed: SagaState =
        state.status === 'dead_lettered'
          ? state.phase === 'forward'
            ? { status: 'running' }
            : { status: 'compensating', cause: state.cause ?? 'failure', reason: state.reason }
          : state;
      return {
        state: resumed,
        events: [{ type: 'replayed', actor, reason, at, ...(stepEdit ? { edit: stepEdit } : {}) }],
        dueAt: Date.parse(at),
      };
    });
  }

  /** Mark a dead-lettered or stuck saga as settled by hand. */
  async resolve(sagaId: string, actor: string, reason: string): Promise<Saga> {
    return this.operate(sagaId, (saga, at) => {
      if (saga.state.status !== 'dead_lettered' && !this.isStuck(saga)) {
        throw new SagaConflictError(
          `saga ${saga.id} is ${saga.state.status}, not dead-lettered or stuck`,
        );
      }
      return {
        state: { status: 'resolved', actor, reason },
        events: [{ type: 'resolved', actor, reason, at }],
        dueAt: null,
      };
    });
  }

  isStuck(saga: Saga): boolean {
    const { status } = saga.state;
    if (isTerminal(status) || status === 'dead_lettered') return false;
    return this.now() - Date.parse(saga.updatedAt) > this.policies.stuckAfterMs;
  }

  private async operate(
    sagaId: string,
    change: (
      saga: Saga,
      at: string,
    ) => { state: SagaState; events: SagaEvent[]; dueAt: number | null },
  ): Promise<Saga> {
    const lease = await this.store.acquireLease(sagaId, this.owner, this.policies.leaseTtlMs);
    if (!lease) {
      const exists = await this.store.get(sagaId);
      if (!exists) throw new SagaNotFoundError(sagaId);
      throw new SagaConflictError(`saga ${sagaId} is being driven by a worker; try again shortly`);
    }
    const saga = await this.store.get(sagaId);
    if (!saga) {
      await this.store.release(lease, null);
      throw new SagaNotFoundError(sagaId);
    }
    let applied: ReturnType<typeof change>;
    try {
      applied = change(saga, new Date(this.now()).toISOString());
    } catch (error) {
      await this.store.release(lease, saga.dueAt);
      throw error;
    }
    const next = await this.persist(
      saga,
      lease,
      applied.state,
      saga.context,
      applied.events,
      applied.dueAt,
    );
    await this.store.release(lease, next.dueAt);
    this.log.info({ sagaId, events: applied.events.map((e) => e.type) }, 'operator action');
    return next;
  }
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
