import type { SagaRef, SagaView as WireSagaView } from '@edge/saga-wire';
import { reasonOf, type Saga, type SagaEvent } from './saga.js';

export type { SagaRef } from '@edge/saga-wire';

/** What the HTTP API returns for a saga: the wire's view with the engine's own events. */
export type SagaView = WireSagaView<SagaEvent>;

/** The park a saga is waiting out: its latest scheduling event is a `step_parked`. */
export function parkedUntil(saga: Saga): string | undefined {
  if (saga.dueAt === null) return undefined;
  for (let i = saga.history.length - 1; i >= 0; i--) {
    const event = saga.history[i];
    if (!event) continue;
    if (event.type === 'step_parked') return event.until;
    // Replayed since: scheduled now, whatever the park said.
    if (event.type === 'replayed') return undefined;
    if (event.type === 'retry_scheduled' || event.type === 'call_deferred') return undefined;
    if (event.type === 'step_started' || event.type === 'compensation_started') return undefined;
  }
  return undefined;
}

/**
 * Whether an operator's replay (without an edit) takes the saga: dead-lettered, stuck (`stuck` as
 * the engine judges it), or parked (then tried at once: the operator knows the provider is back).
 * The engine's rule, and the only sagas the operator page offers to replay.
 */
export function acceptsReplay(saga: Saga, stuck: boolean): boolean {
  return saga.state.status === 'dead_lettered' || stuck || parkedUntil(saga) !== undefined;
}

export function toSagaView(saga: Saga): SagaView {
  const reason = reasonOf(saga.state);
  const parked = parkedUntil(saga);
  return {
    id: saga.id,
    type: saga.type,
    status: saga.state.status,
    orderId: saga.context.orderId ?? null,
    clientKey: saga.clientKey,
    userId: saga.input.userId,
    partnerId: saga.input.partnerId,
    ...(reason === undefined ? {} : { reason }),
    ...(parked === undefined ? {} : { parkedUntil: parked }),
    createdAt: saga.createdAt,
    updatedAt: saga.updatedAt,
    history: saga.history,
  };
}

export function toSagaRef(saga: Saga): SagaRef {
  return { id: saga.id, status: saga.state.status, orderId: saga.context.orderId ?? null };
}
