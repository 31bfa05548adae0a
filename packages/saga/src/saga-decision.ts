import { COMPENSATION_OF, mustFinish } from './order-saga.js';
import type { CallOutcome } from './provider-client.js';
import { planDeferral, planRetry, type RetryPlan } from './retry-policy.js';
import {
  assertNever,
  type CancelRequest,
  type CompensationCause,
  type CompensationStep,
  FORWARD_STEPS,
  type ForwardStep,
  idempotencyKeyFor,
  isForwardStep,
  type Saga,
  type SagaContext,
  type SagaEvent,
  type SagaPhase,
  type SagaState,
  type StepName,
} from './saga.js';
import { PROVIDER_KEY_TRUST_MS, type RetryPolicy, type SagaPolicies } from './saga-policies.js';

/** One run of one step, as the engine executes it. */
export interface StepRun {
  step: StepName;
  attempt: number;
  /** Set while compensating: why the saga is being undone. */
  cause: CompensationCause | null;
  /** Verify the forward effect by key before undoing (first attempt after a replay). */
  verifyFirst: boolean;
}

/** The event that opens a run: a crash after it re-runs the step under the same key. */
export function startEvent(sagaId: string, run: StepRun, at: string): SagaEvent {
  const { step, attempt } = run;
  const idempotencyKey = idempotencyKeyFor(sagaId, step);
  return isForwardStep(step)
    ? { type: 'step_started', step, attempt, idempotencyKey, at }
    : { type: 'compensation_started', step, attempt, idempotencyKey, at };
}

/** What the engine must do next with a saga; computed from the record alone. */
export type Decision =
  | { kind: 'run'; run: StepRun }
  | { kind: 'transition'; state: SagaState; events: SagaEvent[] }
  | { kind: 'wait'; dueAt: number }
  | { kind: 'idle' };

type StepEvent = Extract<SagaEvent, { step: StepName }>;

/**
 * The step's last event, and whether an operator replayed the saga after it: a replay schedules
 * the saga now, so a wait the step was in (a retry, a deferral, a park) ends with it.
 */
function lastEventOf(
  history: SagaEvent[],
  step: StepName,
): { last: StepEvent | undefined; replayedSince: boolean } {
  let replayedSince = false;
  for (let i = history.length - 1; i >= 0; i--) {
    const event = history[i];
    if (event?.type === 'replayed') replayedSince = true;
    if (event && 'step' in event && event.step === step) {
      return { last: event as StepEvent, replayedSince };
    }
  }
  return { last: undefined, replayedSince };
}

function lastIndexOf(history: SagaEvent[], types: ReadonlySet<SagaEvent['type']>): number {
  for (let i = history.length - 1; i >= 0; i--) {
    const event = history[i];
    if (event && types.has(event.type)) return i;
  }
  return 0;
}

const FORWARD_PHASE_START: ReadonlySet<SagaEvent['type']> = new Set(['saga_created', 'replayed']);
const COMPENSATION_PHASE_START: ReadonlySet<SagaEvent['type']> = new Set([
  'compensation_required',
  'replayed',
]);

function phaseStartIndex(saga: Saga, step: StepName): number {
  return lastIndexOf(
    saga.history,
    isForwardStep(step) ? FORWARD_PHASE_START : COMPENSATION_PHASE_START,
  );
}

function isStart(event: SagaEvent): boolean {
  return event.type === 'step_started' || event.type === 'compensation_started';
}

/**
 * A step's record in the current phase: calls that reached the provider, and when it was first
 * tried (a deferred call counts for the horizon: a forward step must not wait forever).
 */
function stepRecord(saga: Saga, step: StepName): { attemptsMade: number; firstStartAt?: number } {
  let attemptsMade = 0;
  let firstStartAt: number | undefined;
  const from = phaseStartIndex(saga, step);
  for (let i = from; i < saga.history.length; i++) {
    const event = saga.history[i];
    if (!event || !('step' in event) || event.step !== step) continue;
    if (isStart(event)) {
      attemptsMade++;
      firstStartAt ??= Date.parse(event.at);
    }
    // A deferred call never left this process: not an attempt (its start was dropped).
    if (event.type === 'call_deferred') firstStartAt ??= Date.parse(event.since);
  }
  return firstStartAt === undefined ? { attemptsMade } : { attemptsMade, firstStartAt };
}

/** Next attempt number, or when the step is due, or that it is done. */
function nextCall(
  { last, replayedSince }: ReturnType<typeof lastEventOf>,
  now: number,
): { attempt: number } | { dueAt: number } | 'done' {
  if (!last) return { attempt: 1 };
  switch (last.type) {
    case 'step_succeeded':
    case 'compensation_succeeded':
      return 'done';
    case 'retry_scheduled':
    case 'step_parked': {
      const dueAt = Date.parse(last.type === 'step_parked' ? last.until : last.dueAt);
      return dueAt <= now || replayedSince ? { attempt: last.attempt + 1 } : { dueAt };
    }
    // Nothing was sent, so the same attempt is made again once due.
    case 'call_deferred': {
      const dueAt = Date.parse(last.dueAt);
      return dueAt <= now || replayedSince ? { attempt: last.attempt } : { dueAt };
    }
    // A start without an outcome is a call whose result we never learnt (crash): re-send with
    // the same key. A failure is followed by a retry or a phase change in the same write, so
    // seeing one last means an operator replayed the saga.
    case 'step_started':
    case 'compensation_started':
    case 'step_failed':
    case 'compensation_failed':
      return { attempt: last.attempt + 1 };
    default:
      return assertNever(last);
  }
}

/** Compensations owed, most recent forward step first. */
export function compensationsOwed(saga: Saga): CompensationStep[] {
  const owed: CompensationStep[] = [];
  for (const step of [...FORWARD_STEPS].reverse()) {
    const compensation = COMPENSATION_OF[step];
    if (!compensation) continue;
    const last = lastForwardOutcome(saga.history, step);
    // Never sent, or definitely refused: the provider holds nothing to undo.
    if (last === 'none' || last === 'rejected') continue;
    owed.push(compensation);
  }
  return owed;
}

function lastForwardOutcome(
  history: SagaEvent[],
  step: ForwardStep,
): 'none' | 'rejected' | 'maybe' | 'succeeded' {
  // The attempt of a start with no outcome on record yet. A start that never gets one is a call
  // whose effect we never learnt (a crash, a lost lease): the compensation verifies it by key
  // before undoing anything, whatever later attempts answered. A later attempt's deferral
  // replaces that attempt's own start, so it can follow an earlier unanswered start directly.
  let unanswered: number | undefined;
  let maybe = false;
  let rejected = false;
  for (const event of history) {
    if (!('step' in event) || event.step !== step) continue;
    if (event.type === 'step_succeeded') return 'succeeded';
    if (event.type === 'step_started') {
      if (unanswered !== undefined) maybe = true;
      unanswered = event.attempt;
    }
    if (event.type === 'call_deferred' || event.type === 'step_failed') {
      if (unanswered !== undefined && unanswered !== event.attempt) maybe = true;
      unanswered = undefined;
    }
    if (event.type === 'step_failed') {
      if (event.maybeApplied) maybe = true;
      if (!event.retryable) rejected = true;
    }
  }
  if (maybe || unanswered !== undefined) return 'maybe';
  return rejected ? 'rejected' : 'none';
}

function startCompensating(
  cause: CompensationCause,
  reason: string,
  at: string,
  extra: SagaEvent[] = [],
): { state: SagaState; events: SagaEvent[] } {
  return {
    state: { status: 'compensating', cause, reason },
    events: [...extra, { type: 'compensation_required', cause, reason, at }],
  };
}

export function decide(saga: Saga, cancel: CancelRequest | undefined, now: number): Decision {
  const at = new Date(now).toISOString();
  const cancelPending =
    cancel !== undefined && !saga.history.some((e) => e.type === 'cancel_requested');
  const cancelEvent = (request: CancelRequest): SagaEvent => ({
    type: 'cancel_requested',
    idempotencyKey: request.idempotencyKey,
    actor: request.actor,
    reason: request.reason,
    at,
  });
  const { state } = saga;
  switch (state.status) {
    case 'pending':
    case 'running': {
      if (cancel && cancelPending) {
        return {
          kind: 'transition',
          ...startCompensating('cancel', cancel.reason, at, [cancelEvent(cancel)]),
        };
      }
      for (const step of FORWARD_STEPS) {
        const next = nextCall(lastEventOf(saga.history, step), now);
        if (next === 'done') continue;
        if ('dueAt' in next) return { kind: 'wait', dueAt: next.dueAt };
        return {
          kind: 'run',
          run: { step, attempt: next.attempt, cause: null, verifyFirst: false },
        };
      }
      return {
        kind: 'transition',
        state: { status: 'completed' },
        events: [{ type: 'completed', at }],
      };
    }
    case 'compensating': {
      const startIndex = lastIndexOf(saga.history, COMPENSATION_PHASE_START);
      const replayed = saga.history[startIndex]?.type === 'replayed';
      for (const step of compensationsOwed(saga)) {
        const next = nextCall(lastEventOf(saga.history, step), now);
        if (next === 'done') continue;
        if ('dueAt' in next) return { kind: 'wait', dueAt: next.dueAt };
        const record = stepRecord(saga, step);
        // Providers forget idempotency keys after about a day: after a replay, and once the
        // key may have been forgotten, ask the provider what happened before undoing again.
        const keyMayBeForgotten =
          record.firstStartAt !== undefined && now - record.firstStartAt >= PROVIDER_KEY_TRUST_MS;
        return {
          kind: 'run',
          run: {
            step,
            attempt: next.attempt,
            cause: state.cause,
            verifyFirst: (replayed && record.attemptsMade === 0) || keyMayBeForgotten,
          },
        };
      }
      return {
        kind: 'transition',
        state: { status: 'compensated', cause: state.cause, reason: state.reason },
        events: [{ type: 'compensated', at }],
      };
    }
    case 'completed':
      if (cancel && cancelPending) {
        return {
          kind: 'transition',
          ...startCompensating('cancel', cancel.reason, at, [cancelEvent(cancel)]),
        };
      }
      return { kind: 'idle' };
    case 'compensated':
    case 'dead_lettered':
    case 'resolved':
      return { kind: 'idle' };
    default:
      return assertNever(state);
  }
}

/** The retry policy and horizon a step runs under. */
export function policyOf(
  policies: SagaPolicies,
  step: StepName,
): { policy: RetryPolicy; horizonMs: number } {
  const policy = mustFinish(step) ? policies.compensation : policies.forward;
  return { policy, horizonMs: policies.stepHorizonMs[step] ?? policy.horizonMs };
}

export interface OutcomeResult {
  state: SagaState;
  context: SagaContext;
  events: SagaEvent[];
  /** Set when the saga waits for a retry. */
  retryAt?: number;
  /**
   * Trailing events of the record this outcome replaces: a deferred call's own start, and the
   * previous deferral of the same attempt it merges with.
   */
  replaces?: number;
}

export interface OutcomeInput {
  /** The saga as persisted with the step's start event. */
  saga: Saga;
  run: StepRun;
  outcome: CallOutcome;
  /** Context after the run (what a success or a verification taught). */
  context: SagaContext;
  now: number;
  policies: SagaPolicies;
  random: () => number;
}

/**
 * Record one run's outcome, for any step: advance, defer (not an attempt), retry, park,
 * compensate, or dead-letter. Forward steps before the pivot compensate when they give up;
 * compensations and steps after the pivot dead-letter, but only on a definite refusal or at the
 * end of their horizon.
 */
export function onStepOutcome(input: OutcomeInput): OutcomeResult {
  const { saga, run, outcome, now } = input;
  const { step, attempt } = run;
  const at = new Date(now).toISOString();
  const forward = isForwardStep(step);
  const finish = mustFinish(step);
  const phase: SagaPhase = forward ? 'forward' : 'compensating';
  const stay: SagaState = forward ? { status: 'running' } : saga.state;
  const key = idempotencyKeyFor(saga.id, step);
  const giveUp = (reason: string, events: SagaEvent[]): OutcomeResult =>
    finish
      ? deadLetter(saga.state, phase, `${step}: ${reason}`, at, events, input.context)
      : {
          ...startCompensating('failure', `${step} failed: ${reason}`, at, events),
          context: input.context,
        };

  if (outcome.kind === 'ok') {
    const done: SagaEvent = forward
      ? { type: 'step_succeeded', step, attempt, idempotencyKey: key, at, answer: outcome.answer }
      : {
          type: 'compensation_succeeded',
          step,
          attempt,
          idempotencyKey: key,
          at,
          answer: outcome.answer,
        };
    return { state: stay, context: input.context, events: [done] };
  }

  const { policy, horizonMs } = policyOf(input.policies, step);
  const record = stepRecord(saga, step);
  const horizon = {
    policy,
    horizonMs,
    horizonStartedAt: record.firstStartAt ?? now,
    mayPark: finish,
    now,
    random: input.random,
  };

  if (outcome.kind === 'not_sent') {
    const plan = planDeferral({ ...horizon, retryAfterMs: outcome.retryAfterMs });
    const earlier = previousDeferral(saga, run);
    const deferred: SagaEvent = {
      type: 'call_deferred',
      step,
      attempt,
      reason: outcome.reason,
      ...(outcome.throttledRoute ? { throttledRoute: outcome.throttledRoute } : {}),
      delayMs: plan.kind === 'exhausted' ? 0 : plan.delayMs,
      dueAt: new Date(plan.kind === 'exhausted' ? now : plan.dueAt).toISOString(),
      times: (earlier?.times ?? 0) + 1,
      since: earlier?.since ?? at,
      at,
    };
    const replaces = earlier ? 2 : 1;
    if (plan.kind === 'exhausted') {
      return {
        ...giveUp(
          `${outcome.reason.replace('_', ' ')}${outcome.throttledRoute ? ` after a 429 of ${outcome.throttledRoute}` : ''}: ${plan.reason}`,
          [deferred],
        ),
        replaces,
      };
    }
    return {
      state: stay,
      context: input.context,
      events: [deferred],
      retryAt: plan.dueAt,
      replaces,
    };
  }

  const retryable = outcome.kind === 'retryable';
  const attemptFailed = { attempt, idempotencyKey: key, at, answer: outcome.answer, retryable };
  const failed: SagaEvent = forward
    ? {
        type: 'step_failed',
        step,
        ...attemptFailed,
        maybeApplied: outcome.kind === 'retryable' && outcome.maybeApplied,
      }
    : { type: 'compensation_failed', step, ...attemptFailed };
  if (outcome.kind === 'rejected') {
    return giveUp(`rejected with ${outcome.answer.status}`, [failed]);
  }
  const plan: RetryPlan = planRetry({
    ...horizon,
    attemptsMade: record.attemptsMade,
    retryAfterMs: outcome.retryAfterMs,
  });
  switch (plan.kind) {
    case 'exhausted':
      return giveUp(plan.reason, [failed]);
    case 'retry':
      return {
        state: stay,
        context: input.context,
        events: [
          failed,
          {
            type: 'retry_scheduled',
            step,
            attempt,
            delayMs: plan.delayMs,
            dueAt: new Date(plan.dueAt).toISOString(),
            at,
          },
        ],
        retryAt: plan.dueAt,
      };
    case 'park':
      return {
        state: stay,
        context: input.context,
        events: [
          failed,
          {
            type: 'step_parked',
            step,
            attempt,
            until: new Date(plan.dueAt).toISOString(),
            reason: `Retry-After of ${outcome.retryAfterMs} ms is beyond the horizon of ${horizonMs} ms`,
            at,
          },
        ],
        retryAt: plan.dueAt,
      };
    default:
      return assertNever(plan);
  }
}

/** The deferral of this same attempt just before its start event, to merge with. */
function previousDeferral(
  saga: Saga,
  run: StepRun,
): Extract<SagaEvent, { type: 'call_deferred' }> | undefined {
  const before = saga.history.at(-2);
  return before?.type === 'call_deferred' &&
    before.step === run.step &&
    before.attempt === run.attempt
    ? before
    : undefined;
}

function deadLetter(
  current: SagaState,
  phase: SagaPhase,
  reason: string,
  at: string,
  events: SagaEvent[],
  context: SagaContext,
): OutcomeResult {
  const cause = current.status === 'compensating' ? current.cause : null;
  return {
    state: { status: 'dead_lettered', phase, cause, reason, at },
    context,
    events: [...events, { type: 'dead_lettered', reason, at }],
  };
}
