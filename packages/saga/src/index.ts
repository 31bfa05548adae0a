export { sagaKeyHead } from '@edge/order-events';
export { DEFAULT_COMPENSATION_AGE_ALERT_MS } from './compensation-age-alert';
export { loadSagaConfig, type SagaConfig } from './config';
export type { FixResult, ReconciliationReport } from './reconciler';
export { DRIFT_KINDS, type DriftKind, type Finding } from './reconciliation';
export * from './saga';
export type * from './saga-api-schemas';
export {
  DEFAULT_SAGA_POLICIES,
  type SagaPolicies,
  type SagaPolicyOverrides,
} from './saga-policies';
export { type SagaService, startSagaService } from './saga-service';
export type { SagaRef, SagaView } from './saga-view';
