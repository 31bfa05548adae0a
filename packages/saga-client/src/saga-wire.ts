/**
 * The orchestrator's HTTP contract (docs/saga-api.md) as its callers see it. The orchestrator
 * validates the same shapes with its own schemas; test/saga/saga-client-contract.test.ts holds
 * the two together at type level, so neither can drift without the build failing.
 */

/** Every status a saga can be in. Terminal: completed, compensated, resolved. */
export type SagaStatus =
  | 'pending'
  | 'running'
  | 'compensating'
  | 'completed'
  | 'compensated'
  | 'dead_lettered'
  | 'resolved';

/** List filters: a status, `stuck`, `attention` (dead-lettered or stuck) or `any`. */
export const STATUS_FILTERS = [
  'attention',
  'any',
  'stuck',
  'pending',
  'running',
  'compensating',
  'completed',
  'compensated',
  'dead_lettered',
  'resolved',
] as const;
export type SagaListState = (typeof STATUS_FILTERS)[number];

/** One entry of a saga's append-only history; fields beyond `type` and `at` depend on the type. */
export interface SagaHistoryEvent {
  type: string;
  at: string;
  step?: string;
  attempt?: number;
  idempotencyKey?: string;
  answer?: { status: number; body: unknown } | { error: string; retryAfterMs?: number };
  /** Operator and customer actions: who (the authenticated subject) and why. */
  actor?: string;
  reason?: string;
  dueAt?: string;
  until?: string;
}

/** The short answer of actions: enough to poll on. */
export interface SagaRef {
  id: string;
  status: SagaStatus;
  orderId: string | null;
}

/** A saga with its full history. */
export interface SagaView extends SagaRef {
  type: 'place_order';
  clientKey: string;
  userId: string;
  partnerId: string | null;
  reason?: string;
  parkedUntil?: string;
  createdAt: string;
  updatedAt: string;
  history: SagaHistoryEvent[];
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

export interface ResolveBody extends OperatorBody {
  /** What was done by hand, e.g. the manual refund's id. */
  reference: string;
}
