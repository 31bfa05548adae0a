import { SAGA_STATUSES, type SagaStatus } from '@edge/saga-wire';

export { SAGA_STATUSES, type SagaStatus } from '@edge/saga-wire';

export const TERMINAL_STATUSES: ReadonlySet<SagaStatus> = new Set([
  'completed',
  'compensated',
  'resolved',
]);

/**
 * Statuses a worker still drives: neither terminal nor waiting for a human in the DLQ. Only these
 * can be stuck, so the operator search reads them, and only them, for the stuck count.
 */
export const ACTIVE_STATUSES: readonly SagaStatus[] = SAGA_STATUSES.filter(
  (status) => !TERMINAL_STATUSES.has(status) && status !== 'dead_lettered',
);

/** Forward steps of the place-order saga, in execution order. */
export const FORWARD_STEPS = [
  'create_order',
  'reserve_inventory',
  'charge_payment',
  'create_shipment',
  'confirm_order',
] as const;
export type ForwardStep = (typeof FORWARD_STEPS)[number];

export type CompensationStep = (typeof COMPENSATION_STEPS)[number];

export const COMPENSATION_STEPS = [
  'cancel_shipment',
  'refund_payment',
  'release_inventory',
  'close_order',
] as const;

/** Any step the engine runs: a forward step or a compensation. */
export type StepName = ForwardStep | CompensationStep;
export const STEP_NAMES: readonly StepName[] = [...FORWARD_STEPS, ...COMPENSATION_STEPS];

export function isForwardStep(step: StepName): step is ForwardStep {
  return (FORWARD_STEPS as readonly string[]).includes(step);
}

/** Why a saga compensates: a forward step failed, or someone cancelled the order. */
export type CompensationCause = 'failure' | 'cancel';

/** Where a dead-lettered saga stopped, so a replay resumes the right phase. */
export type SagaPhase = 'forward' | 'compensating';

export type SagaState =
  | { status: 'pending' }
  | { status: 'running' }
  | { status: 'compensating'; cause: CompensationCause; reason: string }
  | { status: 'completed' }
  | { status: 'compensated'; cause: CompensationCause; reason: string }
  | {
      status: 'dead_lettered';
      phase: SagaPhase;
      cause: CompensationCause | null;
      reason: string;
      at: string;
    }
  | { status: 'resolved'; actor: string; reason: string };

export interface PlaceOrderItem {
  productId: string;
  quantity: number;
}

export interface PlaceOrderInput {
  userId: string;
  partnerId: string | null;
  items: PlaceOrderItem[];
}

/** What a provider said: an HTTP answer, or why there was none. */
export type ProviderAnswer =
  | {
      status: number;
      body: unknown;
      /** The provider's Retry-After, when it sent one (a 429 or 503), as it asked. */
      retryAfterMs?: number | undefined;
    }
  | { error: string; retryAfterMs?: number | undefined };

/** One field an operator changed before a replay: what the audit shows as `field: before -> after`. */
export interface FieldChange {
  field: string;
  /** Null when the request did not carry the field (the provider's default applied). */
  before: string | number | null;
  after: string | number | null;
}

/**
 * An operator's edit of one step's request before a replay, validated against the step's
 * editable schema. `input` is the whole edited input the step sends from then on; `changes` is
 * the diff against what it would have sent.
 */
export interface StepEdit {
  step: StepName;
  input: Record<string, string | number>;
  changes: FieldChange[];
}

interface Timed {
  at: string;
}

interface StepCall<S> extends Timed {
  step: S;
  attempt: number;
  idempotencyKey: string;
}

export type SagaEvent =
  | ({ type: 'saga_created'; clientKey: string; input: PlaceOrderInput } & Timed)
  | ({ type: 'step_started' } & StepCall<ForwardStep>)
  | ({ type: 'step_succeeded'; answer: ProviderAnswer } & StepCall<ForwardStep>)
  | ({
      type: 'step_failed';
      answer: ProviderAnswer;
      retryable: boolean;
      /** False when the call provably had no effect, so there is nothing to undo. */
      maybeApplied: boolean;
    } & StepCall<ForwardStep>)
  | ({ type: 'compensation_started' } & StepCall<CompensationStep>)
  | ({ type: 'compensation_succeeded'; answer: ProviderAnswer } & StepCall<CompensationStep>)
  | ({
      type: 'compensation_failed';
      answer: ProviderAnswer;
      retryable: boolean;
    } & StepCall<CompensationStep>)
  | ({
      type: 'retry_scheduled';
      step: ForwardStep | CompensationStep;
      attempt: number;
      delayMs: number;
      dueAt: string;
    } & Timed)
  | ({
      /**
       * The provider asked us (Retry-After) to come back after the step's horizon: the step
       * waits until then and makes one more attempt instead of being dead-lettered.
       */
      type: 'step_parked';
      step: ForwardStep | CompensationStep;
      attempt: number;
      until: string;
      reason: string;
    } & Timed)
  | ({
      /**
       * The call never left this process (open breaker, pacing): not an attempt. It replaces
       * the start event of its attempt, and consecutive deferrals of one attempt are this one
       * event (`times`, since `since`), so a long outage does not grow the history.
       */
      type: 'call_deferred';
      step: ForwardStep | CompensationStep;
      attempt: number;
      reason: 'breaker_open' | 'paced';
      /** Paced after a 429 of this route (`POST /refunds`), not to the configured rate. */
      throttledRoute?: string;
      delayMs: number;
      dueAt: string;
      times: number;
      since: string;
    } & Timed)
  | ({ type: 'compensation_required'; cause: CompensationCause; reason: string } & Timed)
  | ({ type: 'cancel_requested'; idempotencyKey: string; actor: string; reason: string } & Timed)
  | ({ type: 'dead_lettered'; reason: string } & Timed)
  | ({ type: 'replayed'; actor: string; reason: string; edit?: StepEdit } & Timed)
  | ({
      type: 'resolved';
      actor: string;
      reason: string;
      /**
       * Of the charge, what the operator acknowledged keeping: what the provider still held when
       * the saga was resolved (all of it when the lookup could not answer). Absent: nothing kept.
       */
      keptCents?: number;
    } & Timed)
  | ({ type: 'completed' } & Timed)
  | ({ type: 'compensated' } & Timed);

export type SagaEventType = SagaEvent['type'];

/** Facts learnt from providers, needed by later steps and compensations. */
export interface SagaContext {
  orderId?: string;
  totalCents?: number;
  currency?: string;
  reservationId?: string;
  chargeId?: string;
  shipmentId?: string;
}

export interface Saga {
  id: string;
  type: 'place_order';
  clientKey: string;
  input: PlaceOrderInput;
  state: SagaState;
  context: SagaContext;
  history: SagaEvent[];
  createdAt: string;
  updatedAt: string;
  /**
   * Epoch ms when a worker should next look at this saga; null when nothing is left to do
   * without an operator. Persisted with the record so an embedded store can rebuild its
   * schedule from the files alone.
   */
  dueAt: number | null;
  /**
   * W3C trace context of the request that created the saga, so every step's span joins that
   * trace on whichever worker runs it; absent for sagas created before tracing existed.
   */
  traceparent?: string;
}

/** Request to run a completed (or still running) saga's compensations. */
export interface CancelRequest {
  idempotencyKey: string;
  actor: string;
  reason: string;
  at: string;
}

export function isTerminal(status: SagaStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isActive(status: SagaStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** One key per saga and step (and compensation), so a re-send after a crash is a no-op. */
export function idempotencyKeyFor(sagaId: string, step: ForwardStep | CompensationStep): string {
  return `${sagaId}:${step}`;
}

/** The reason carried by states that have one. */
export function reasonOf(state: SagaState): string | undefined {
  switch (state.status) {
    case 'pending':
    case 'running':
    case 'completed':
      return undefined;
    case 'compensating':
    case 'compensated':
    case 'dead_lettered':
    case 'resolved':
      return state.reason;
    default:
      return assertNever(state);
  }
}
