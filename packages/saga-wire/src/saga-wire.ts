/**
 * The orchestrator's HTTP contract (docs/saga-api.md): the one home of its statuses, list
 * filters and the saga view, which the orchestrator answers with and `@edge/saga-client` reads.
 * The orchestrator's zod schemas validate the request bodies; test/saga/saga-client-contract.test.ts
 * holds those to the types here.
 */

/** Every status a saga can be in. Terminal: completed, compensated, resolved. */
export const SAGA_STATUSES = [
  'pending',
  'running',
  'compensating',
  'completed',
  'compensated',
  'dead_lettered',
  'resolved',
] as const;
export type SagaStatus = (typeof SAGA_STATUSES)[number];

/** List filters: a status, `stuck`, `attention` (dead-lettered or stuck) or `any`. */
export const STATUS_FILTERS = ['attention', 'any', 'stuck', ...SAGA_STATUSES] as const;
export type SagaListState = (typeof STATUS_FILTERS)[number];

/**
 * List orders: the newest change first (the default), or the longest-compensating first, by the
 * clock of `saga_compensation_oldest_age_seconds` (sagas not compensating follow).
 */
export const LIST_SORTS = ['newest_change', 'oldest_compensation'] as const;
export type SagaListSort = (typeof LIST_SORTS)[number];

/** One entry of a saga's append-only history; fields beyond `type` and `at` depend on the type. */
export interface SagaHistoryEvent {
  type: string;
  at: string;
  step?: string;
  attempt?: number;
  idempotencyKey?: string;
  answer?:
    | { status: number; body: unknown; retryAfterMs?: number }
    | { error: string; retryAfterMs?: number };
  /** Failed calls: whether a retry may help, and whether the call may have taken effect. */
  retryable?: boolean;
  maybeApplied?: boolean;
  delayMs?: number;
  /** Operator and customer actions: who (the authenticated subject) and why. */
  actor?: string;
  reason?: string;
  dueAt?: string;
  until?: string;
  /** `replayed` with an edit before replay: the step, its new input and the diff. */
  edit?: { step: string; input: Record<string, string | number>; changes: FieldChange[] };
  /** `call_deferred`: how many times this attempt was refused locally, since when. */
  times?: number;
  since?: string;
  /** `call_deferred` / `paced`: the route whose 429 holds the call (`POST /refunds`). */
  throttledRoute?: string;
}

/** The short answer of actions: enough to poll on. */
export interface SagaRef {
  id: string;
  status: SagaStatus;
  orderId: string | null;
}

/**
 * A saga with its full history. The orchestrator names its own event union as `Event`; callers
 * read the looser `SagaHistoryEvent`.
 */
export interface SagaView<Event = SagaHistoryEvent> extends SagaRef {
  type: 'place_order';
  clientKey: string;
  /** Who the order is for; with `partnerId`, whom a status read compares exactly. */
  userId: string;
  /** The partner that placed it, null for a user's own order. */
  partnerId: string | null;
  reason?: string;
  /** Set while a step waits past its horizon because the provider asked (Retry-After). */
  parkedUntil?: string;
  createdAt: string;
  updatedAt: string;
  history: Event[];
}

/** One saga of `GET /sagas`: its view and what the operator list shows of it. */
export interface SagaListItem extends SagaView {
  stuck: boolean;
  amountCents: number | null;
  currency: string | null;
  /** The step it is at or failed on, and that step's provider. */
  step: string | null;
  provider: string | null;
  /** The last provider answer or local refusal that went wrong, in one sentence. */
  lastProblem: { at: string; summary: string; statusCode?: number } | null;
  /** While compensating: when the compensation began (the compensation-age alert's clock). */
  compensatingSince: string | null;
}

/** A new order; the user is the edge-signed identity in the headers, a partner names its customer. */
export interface PlaceOrderBody {
  idempotencyKey: string;
  customerId?: string;
  items: Array<{ productId: string; quantity: number }>;
}

export interface CancelBody {
  idempotencyKey: string;
  reason?: string;
}

/** Operator actions carry only the why: the actor is the token's subject. */
export interface OperatorBody {
  reason: string;
}

/** A field an operator's edit changed, as the audit keeps it. */
export interface FieldChange {
  field: string;
  before: string | number | null;
  after: string | number | null;
}

/**
 * A replay of one saga, optionally editing a step's request first (docs/saga-api.md: only
 * `refund_payment` has editable fields, `amountCents` and `note`).
 */
export interface ReplayBody extends OperatorBody {
  edit?: { step: string; input: Record<string, string | number> };
}

/** What a replay answers: the saga, and the edit it applied with its diff. */
export interface ReplayAnswer extends SagaRef {
  edit?: { step: string; changes: FieldChange[] };
}

/** What a replay of many answers (POST /sagas/replay). */
export interface ReplayAllAnswer {
  /** The saga ids replayed; ids replayed or resolved meanwhile by someone else are skipped. */
  replayed: string[];
  /**
   * The ids asked for and not replayed, each with why: not dead-lettered or stuck (any more), or
   * a worker holds it at that moment. `replayed` plus `skipped` is every id asked for.
   */
  skipped: { id: string; reason: string }[];
  /** Dead-lettered sagas still waiting after this call: an `all` call takes a batch at a time. */
  remaining: number;
}

export interface ResolveBody extends OperatorBody {
  /** What was done by hand, e.g. the manual refund's id. */
  reference: string;
  /**
   * Resolve a saga that still owes a refund although the payment provider holds (or may hold)
   * its money: the operator acknowledges that it is kept on purpose. Without it such a resolve
   * is refused (409 `refund_outstanding` / `refund_unverified`).
   */
  keepCharge?: boolean;
}

/** What a resolve answers: the saga, and the cents it recorded as kept, when it kept any. */
export interface ResolveAnswer extends SagaRef {
  keptCents?: number;
}

/** A difference between the sagas and the providers' records (GET /reconciliation). */
export interface Finding {
  kind:
    | 'charged_without_order'
    | 'charged_in_dlq'
    | 'refunded_twice'
    | 'reservation_leaked'
    | 'shipment_without_payment';
  orderId: string;
  sagaId?: string;
  /** The provider record at fault: a charge, reservation or shipment id. */
  recordId: string;
  detail: string;
  /** What a fix sends, or null when only a human can repair it (money already paid out). */
  fix: { provider: string; path: string; body: Record<string, unknown> } | null;
}

/** One reconciliation run: what drifted, counted per kind. */
export interface ReconciliationReport {
  /** When the run began. */
  at: string;
  findings: Finding[];
  counts: Record<Finding['kind'], number>;
  /**
   * `GET /reconciliation` only: the newest run that failed (scheduled or asked for, on any
   * orchestrator) with its error, null when none did.
   */
  lastFailure?: { at: string; error: string } | null;
}

/** What a fix did with one finding. */
export interface FixResult {
  finding: Finding;
  outcome: 'fixed' | 'skipped' | 'failed';
  detail: string;
}

export type DriftKind = Finding['kind'];
