import type { ProviderName } from './provider-client.js';
import type { CompensationStep, ForwardStep, ProviderAnswer, Saga, SagaEvent } from './saga.js';
import { describeChange } from './step-edit.js';

/** Which provider each step talks to, so the page can say "payment answered 429". */
export const STEP_PROVIDER: Readonly<Record<ForwardStep | CompensationStep, ProviderName>> = {
  create_order: 'order',
  reserve_inventory: 'inventory',
  charge_payment: 'payment',
  create_shipment: 'shipping',
  confirm_order: 'order',
  cancel_shipment: 'shipping',
  refund_payment: 'payment',
  release_inventory: 'inventory',
  close_order: 'order',
};

/** One row of a saga's timeline: every attempt and every operator action, in order. */
export interface TimelineEntry {
  at: string;
  type: SagaEvent['type'];
  step?: string;
  provider?: ProviderName;
  attempt?: number;
  /** HTTP status of the provider's answer, when it answered. */
  statusCode?: number;
  /** The provider's answer in one sentence an operator reads at 3 a.m. */
  summary: string;
  /** The start of the answer's body, for the details. */
  excerpt?: string;
  /** Seconds the provider asked us to wait, when it said so. */
  retryAfterS?: number;
  /** When the next try is due, or until when the step is parked. */
  nextAt?: string;
  actor?: string;
  reason?: string;
}

const EXCERPT_CHARS = 240;

function excerptOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

function seconds(ms: unknown): number | undefined {
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.round(ms / 100) / 10 : undefined;
}

/** "payment answered 429, retry after 30 s" rather than "answer 429". */
export function describeAnswer(provider: ProviderName | undefined, answer: ProviderAnswer): string {
  const who = provider ?? 'provider';
  const wait = seconds(answer.retryAfterMs);
  if ('status' in answer) {
    const said = `${who} answered ${answer.status}`;
    return wait === undefined ? said : `${said}, retry after ${wait} s`;
  }
  const error = /breaker is open/i.test(answer.error)
    ? `${who} not called: its breaker is open (too many recent failures)`
    : `${who} did not answer: ${answer.error}`;
  return wait === undefined ? error : `${error}, retry after ${wait} s`;
}

function entryOf(event: SagaEvent): TimelineEntry {
  const step = 'step' in event ? event.step : undefined;
  const provider = step ? STEP_PROVIDER[step] : undefined;
  const entry: TimelineEntry = {
    at: event.at,
    type: event.type,
    summary: event.type.replace(/_/g, ' '),
    ...(step ? { step } : {}),
    ...(provider ? { provider } : {}),
    ...('attempt' in event ? { attempt: event.attempt } : {}),
  };
  if ('answer' in event) {
    entry.summary = describeAnswer(provider, event.answer);
    if ('status' in event.answer) {
      entry.statusCode = event.answer.status;
      const excerpt = excerptOf(event.answer.body);
      if (excerpt) entry.excerpt = excerpt;
    }
    const retryAfterS =
      'retryAfterMs' in event.answer ? seconds(event.answer.retryAfterMs) : undefined;
    if (retryAfterS !== undefined) entry.retryAfterS = retryAfterS;
  }
  if (event.type === 'retry_scheduled') {
    entry.summary = `next ${event.step} attempt in ${seconds(event.delayMs)} s`;
    entry.nextAt = event.dueAt;
  }
  if (event.type === 'call_deferred') {
    // Not an attempt: nothing left this process, so nothing can have happened at the provider.
    entry.summary =
      event.reason === 'breaker_open'
        ? `${provider ?? 'provider'} not called: its breaker is open; deferred ${seconds(event.delayMs)} s from then`
        : event.throttledRoute
          ? `${provider ?? 'provider'} not called yet: ${event.throttledRoute} answered 429: that endpoint is paused until its Retry-After (not our configured rate); deferred ${seconds(event.delayMs)} s from then`
          : `${provider ?? 'provider'} not called yet: paced to our configured rate limit; deferred ${seconds(event.delayMs)} s from then`;
    if (event.times > 1) entry.summary += ` (refused ${event.times} times since ${event.since})`;
    entry.nextAt = event.dueAt;
    return entry;
  }
  if (event.type === 'step_parked') {
    entry.summary = `${event.step} parked until ${event.until}: ${event.reason}`;
    entry.nextAt = event.until;
  }
  if (event.type === 'replayed' && event.edit) {
    entry.summary = `replayed after an edit of ${event.edit.step}: ${event.edit.changes.map(describeChange).join('; ')}`;
  }
  if ('actor' in event) entry.actor = event.actor;
  if ('reason' in event) entry.reason = event.reason;
  return entry;
}

export function timelineOf(saga: Saga): TimelineEntry[] {
  return saga.history.map(entryOf);
}

/**
 * The last provider answer that was not a success: what the operator needs to know first. None
 * once the saga completed or compensated: whatever went wrong on the way was overcome, and a
 * compensated saga listed with "refund rejected with 422" (a refund that a replay then made)
 * read as a refund that failed.
 */
export function lastProblem(saga: Saga): TimelineEntry | undefined {
  if (saga.state.status === 'completed' || saga.state.status === 'compensated') return undefined;
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (
      event &&
      (event.type === 'step_failed' ||
        event.type === 'compensation_failed' ||
        event.type === 'call_deferred')
    ) {
      const entry = entryOf(event);
      const next = saga.history[i + 1];
      if (next?.type === 'retry_scheduled') {
        entry.nextAt = next.dueAt;
        if (entry.retryAfterS === undefined && entry.statusCode === 429) {
          entry.summary = `${entry.summary}, retried after ${seconds(next.delayMs)} s`;
        }
      }
      return entry;
    }
  }
  return undefined;
}

/** The step the saga was last at, for the step and provider filters. */
export function currentStep(saga: Saga): ForwardStep | CompensationStep | undefined {
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (event && 'step' in event) return event.step;
  }
  return undefined;
}

/**
 * Why the saga compensates: the reason of its last `compensation_required`. A dead letter during
 * the compensation replaces the state's reason with the step's refusal; once replayed, the
 * original cause is what is true again.
 */
export function compensationReason(saga: Saga): string | undefined {
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (event?.type === 'compensation_required') return event.reason;
  }
  return undefined;
}
