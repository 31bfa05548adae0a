export { DEFAULT_COMPENSATION_AGE_ALERT_MS } from './compensation-age-alert';
export { loadSagaConfig, type SagaConfig } from './config';
export {
  DEFAULT_ORDER_EVENTS_CONSUMER,
  ensureConsumerGroup,
  type OrderEventsConsumerOptions,
  startOrderEventsConsumer,
} from './order-events-consumer';
export type { FixResult, ReconciliationReport } from './reconciler';
export { DRIFT_KINDS, type DriftKind, type Finding } from './reconciliation';
export { sagaKeyHead } from './redis-saga-store';
export * from './saga';
export type * from './saga-api-schemas';
export {
  createSagaClient,
  type SagaClient,
  SagaClientError,
  type SagaClientOptions,
} from './saga-client';
export {
  DEFAULT_SAGA_POLICIES,
  type SagaPolicies,
  type SagaPolicyOverrides,
} from './saga-policies';
export { type SagaService, startSagaService } from './saga-service';
export type { SagaRef, SagaView } from './saga-view';
