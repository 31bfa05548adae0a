import { COMPENSATION_OF } from './order-saga';
import type { CallOutcome } from './provider-client';
import { backoffDelayMs, budgetExhaustion, retryAfterDelayMs } from './retry-policy';
import {
  assertNever,
  type CancelRequest,
  type CompensationCause,
  type CompensationStep,
  FORWARD_STEPS,
  type ForwardStep,
  idempotencyKeyFor,
  type ProviderAnswer,
  type Saga,
  type SagaContext,
  type SagaEvent,
  type SagaState,
} from './saga';
import type { RetryPolicy, SagaPolicies } from './saga-policies';

/** What the engine must do next with a saga; computed from the record alone. */
export type Decision =
  | { kind: 'forward'; step: ForwardStep; attempt: number }
  | {
      kind: 'compensate';
      step: CompensationStep;
      attempt: number;
      cause: CompensationCause;
      checkLedger: boolean;
    }
  | { kind: 'transition'; state: SagaState; events: SagaEvent[] }
  | { kind: 'wait'; dueAt: number }
  | { kind: 'idle' };

type StepEvent = Extract<SagaEvent, { step: ForwardStep | CompensationStep }>;

function lastEventOf(history: SagaEvent[], step: ForwardStep | CompensationStep) {
  for (let i = history.length - 1; i >= 0; i--) {
    const event = history[i];
    if (event && 'step' in event && event.step === step) return event as StepEvent;
  }
  return undefined;
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

function phaseStart(saga: Saga, compensating: boolean): { index: number; at: number } {
  const index = lastIndexOf(
    saga.history,
    compensating ? COMPENSATION_PHASE_START : FORWARD_PHASE_START,
  );
  const event = saga.history[index];
  return { index, at: event ? Date.parse(event.at) : Date.parse(saga.createdAt) };
}

/** Calls that reached (or may have reached) the provider; a deferred call is not one. */
function attemptsSince(saga: Saga, step: ForwardStep | CompensationStep, index: number): number {
  let count = 0;
  for (let i = index; i < saga.history.length; i++) {
    const event = saga.history[i];
    if (!event || !('step' in event) || event.step !== step) continue;
    if (event.type === 'step_started' || event.type === 'compensation_started') count++;
    if (event.type === 'call_deferred') count--;
  }
  return count;
}

/** Next attempt number and whether that step is waiting for a retry. */
function nextCall(
  last: StepEvent | undefined,
  now: number,
): { attempt: number } | { dueAt: number } | 'done' {
  if (!last) return { attempt: 1 };
  switch (last.type) {
    case 'step_succeeded':
    case 'compensation_succeeded':
      return 'done';
    case 'retry_scheduled': {
      const dueAt = Date.parse(last.dueAt);
      return dueAt <= now ? { attempt: last.attempt + 1 } : { dueAt };
    }
    // Nothing was sent, so the same attempt is made again once due.
    case 'call_deferred': {
      const dueAt = Date.parse(last.dueAt);
      return dueAt <= now ? { attempt: last.attempt } : { dueAt };
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
    // Never started, or definitely refused: the provider holds nothing to undo.
    if (last === 'none' || last === 'rejected') continue;
    owed.push(compensation);
  }
  return owed;
}

function lastForwardOutcome(
  history: SagaEvent[],
  step: ForwardStep,
): 'none' | 'rejected' | 'maybe' | 'succeeded' {
  let unanswered = false;
  let maybe = false;
  let rejected = false;
  for (const event of history) {
    if (!('step' in event) || event.step !== step) continue;
    if (event.type === 'step_succeeded') return 'succeeded';
    if (event.type === 'step_started') unanswered = true;
    if (event.type === 'call_deferred') unanswered = false;
    if (event.type === 'step_failed') {
      if (event.maybeApplied) maybe = true;
      if (!event.retryable) rejected = true;
      unanswered = false;
    }
  }
  // A start with no outcome on record is a call whose effect we never learnt (crash).
  if (maybe || unanswered) return 'maybe';
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
        return { kind: 'forward', step, attempt: next.attempt };
      }
      return {
        kind: 'transition',
        state: { status: 'completed' },
        events: [{ type: 'completed', at }],
      };
    }
    case 'compensating': {
      const start = phaseStart(saga, true);
      const replayed = saga.history[start.index]?.type === 'replayed';
      for (const step of compensationsOwed(saga)) {
        const next = nextCall(lastEventOf(saga.history, step), now);
        if (next === 'done') continue;
        if ('dueAt' in next) return { kind: 'wait', dueAt: next.dueAt };
        return {
          kind: 'compensate',
          step,
          attempt: next.attempt,
          cause: state.cause,
          checkLedger: replayed && attemptsSince(saga, step, start.index) === 0,
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

function answerOf(outcome: SentOutcome): ProviderAnswer {
  return outcome.answer;
}

export interface OutcomeResult {
  state: SagaState;
  context: SagaContext;
  events: SagaEvent[];
  /** Set when the saga waits for a retry. */
  retryAt?: number;
}

/** An outcome of a call that left this process. */
export type SentOutcome = Exclude<CallOutcome, { kind: 'not_sent' }>;

interface OutcomeInput {
  saga: Saga;
  attempt: number;
  outcome: SentOutcome;
  now: number;
  policies: SagaPolicies;
  random: () => number;
}

/** Record a forward call's outcome: advance, schedule a retry, compensate or dead-letter. */
export function onForwardOutcome(
  input: OutcomeInput & { step: ForwardStep; context: SagaContext | undefined },
): OutcomeResult {
  const { saga, step, attempt, outcome, now } = input;
  const at = new Date(now).toISOString();
  const base = { step, attempt, idempotencyKey: idempotencyKeyFor(saga.id, step), at };
  if (outcome.kind === 'ok' && input.context) {
    return {
      state: { status: 'running' },
      context: input.context,
      events: [{ type: 'step_succeeded', ...base, answer: outcome.answer }],
    };
  }
  const retryable = outcome.kind !== 'rejected';
  const failed: SagaEvent = {
    type: 'step_failed',
    ...base,
    answer: answerOf(outcome),
    retryable,
    maybeApplied: outcome.kind === 'retryable' ? outcome.maybeApplied : outcome.kind === 'ok',
  };
  // confirm_order comes after the pivot: everything is paid and shipped, so it is finished like a
  // compensation (retried under the long budget, then the DLQ) rather than undone.
  const mustFinish = COMPENSATION_OF[step] === null;
  const policy = mustFinish ? input.policies.compensation : input.policies.forward;
  if (retryable) {
    const retry = scheduleRetry(saga, step, attempt, outcome, now, policy, input.random, false);
    if (retry.kind === 'retry') {
      return {
        state: { status: 'running' },
        context: saga.context,
        events: [failed, retry.event],
        retryAt: retry.dueAt,
      };
    }
    if (mustFinish)
      return deadLetter(saga, 'forward', null, `${step}: ${retry.reason}`, at, [failed]);
    return {
      ...startCompensating('failure', `${step} failed: ${retry.reason}`, at, [failed]),
      context: saga.context,
    };
  }
  const status = 'status' in outcome.answer ? outcome.answer.status : 0;
  if (mustFinish) {
    return deadLetter(saga, 'forward', null, `${step} rejected with ${status}`, at, [failed]);
  }
  return {
    ...startCompensating('failure', `${step} rejected with ${status}`, at, [failed]),
    context: saga.context,
  };
}

/** Record a compensation's outcome: move on, schedule a retry, or dead-letter. */
export function onCompensationOutcome(
  input: OutcomeInput & { step: CompensationStep; context: SagaContext; cause: CompensationCause },
): OutcomeResult {
  const { saga, step, attempt, outcome, now, cause } = input;
  const at = new Date(now).toISOString();
  const base = { step, attempt, idempotencyKey: idempotencyKeyFor(saga.id, step), at };
  const current = saga.state;
  const reason = current.status === 'compensating' ? current.reason : 'compensating';
  if (outcome.kind === 'ok') {
    return {
      state: { status: 'compensating', cause, reason },
      context: input.context,
      events: [{ type: 'compensation_succeeded', ...base, answer: outcome.answer }],
    };
  }
  const retryable = outcome.kind === 'retryable';
  const failed: SagaEvent = {
    type: 'compensation_failed',
    ...base,
    answer: answerOf(outcome),
    retryable,
  };
  if (!retryable) {
    const status = 'status' in outcome.answer ? outcome.answer.status : 0;
    return deadLetter(
      saga,
      'compensating',
      cause,
      `${step} rejected with ${status}`,
      at,
      [failed],
      input.context,
    );
  }
  const retry = scheduleRetry(
    saga,
    step,
    attempt,
    outcome,
    now,
    input.policies.compensation,
    input.random,
    true,
  );
  if (retry.kind === 'retry') {
    return {
      state: { status: 'compensating', cause, reason },
      context: input.context,
      events: [failed, retry.event],
      retryAt: retry.dueAt,
    };
  }
  return deadLetter(
    saga,
    'compensating',
    cause,
    `${step}: ${retry.reason}`,
    at,
    [failed],
    input.context,
  );
}

/** A call refused locally: not an attempt; come back after the refusal's wait, spread. */
export function onNotSent(input: {
  saga: Saga;
  step: ForwardStep | CompensationStep;
  attempt: number;
  outcome: Extract<CallOutcome, { kind: 'not_sent' }>;
  now: number;
  policy: RetryPolicy;
  random: () => number;
}): OutcomeResult {
  const { saga, step, attempt, outcome, now } = input;
  const delayMs = retryAfterDelayMs(input.policy, outcome.retryAfterMs, input.random);
  const dueAt = now + delayMs;
  return {
    state: saga.state,
    context: saga.context,
    events: [
      {
        type: 'call_deferred',
        step,
        attempt,
        reason: outcome.reason,
        delayMs,
        dueAt: new Date(dueAt).toISOString(),
        at: new Date(now).toISOString(),
      },
    ],
    retryAt: dueAt,
  };
}

function scheduleRetry(
  saga: Saga,
  step: ForwardStep | CompensationStep,
  attempt: number,
  outcome: SentOutcome,
  now: number,
  policy: RetryPolicy,
  random: () => number,
  compensating: boolean,
): { kind: 'retry'; event: SagaEvent; dueAt: number } | { kind: 'exhausted'; reason: string } {
  const start = phaseStart(saga, compensating);
  const used = attemptsSince(saga, step, start.index);
  const retryAfterMs = outcome.kind === 'retryable' ? outcome.retryAfterMs : undefined;
  const delayMs = backoffDelayMs(policy, used, retryAfterMs, random);
  const dueAt = now + delayMs;
  const exhausted = budgetExhaustion(policy, used, start.at, dueAt);
  if (exhausted) return { kind: 'exhausted', reason: exhausted };
  return {
    kind: 'retry',
    dueAt,
    event: {
      type: 'retry_scheduled',
      step,
      attempt,
      delayMs,
      dueAt: new Date(dueAt).toISOString(),
      at: new Date(now).toISOString(),
    },
  };
}

function deadLetter(
  saga: Saga,
  phase: 'forward' | 'compensating',
  cause: CompensationCause | null,
  reason: string,
  at: string,
  events: SagaEvent[],
  context: SagaContext = saga.context,
): OutcomeResult {
  return {
    state: { status: 'dead_lettered', phase, cause, reason, at },
    context,
    events: [...events, { type: 'dead_lettered', reason, at }],
  };
}
