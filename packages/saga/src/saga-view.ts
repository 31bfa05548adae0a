import { reasonOf, type Saga, type SagaEvent, type SagaStatus } from './saga';

/** What the HTTP API returns for a saga. */
export interface SagaView {
  id: string;
  type: 'place_order';
  status: SagaStatus;
  orderId: string | null;
  clientKey: string;
  /** Who the order is for; with `partnerId`, whom a status read compares exactly. */
  userId: string;
  /** The partner that placed it, null for a user's own order. */
  partnerId: string | null;
  reason?: string;
  createdAt: string;
  updatedAt: string;
  history: SagaEvent[];
}

/** The short answer of actions: enough to poll on. */
export interface SagaRef {
  id: string;
  status: SagaStatus;
  orderId: string | null;
}

export function toSagaView(saga: Saga): SagaView {
  const reason = reasonOf(saga.state);
  return {
    id: saga.id,
    type: saga.type,
    status: saga.state.status,
    orderId: saga.context.orderId ?? null,
    clientKey: saga.clientKey,
    userId: saga.input.userId,
    partnerId: saga.input.partnerId,
    ...(reason === undefined ? {} : { reason }),
    createdAt: saga.createdAt,
    updatedAt: saga.updatedAt,
    history: saga.history,
  };
}

export function toSagaRef(saga: Saga): SagaRef {
  return { id: saga.id, status: saga.state.status, orderId: saga.context.orderId ?? null };
}
