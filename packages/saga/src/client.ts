/**
 * What a caller of the orchestrator needs, and nothing of the orchestrator itself: BFFs and the
 * CLI import `@edge/saga/client`, which loads no engine, store or Redis code (types are erased).
 */

export type { FixResult, ReconciliationReport } from './reconciler';
export type { DriftKind, Finding } from './reconciliation';
export type { SagaEvent, SagaStatus } from './saga';
export type * from './saga-api-schemas';
export { STATUS_FILTERS } from './saga-api-schemas';
export {
  createSagaClient,
  DEFAULT_SAGA_CLIENT,
  type SagaClient,
  SagaClientError,
  type SagaClientOptions,
} from './saga-client';
export type { SagaRef, SagaView } from './saga-view';
