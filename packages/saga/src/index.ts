export { sagaKeyHead } from '@edge/order-events';
export { DEFAULT_COMPENSATION_AGE_ALERT_MS } from './compensation-age-alert';
export { loadSagaConfig, type SagaConfig } from './config';
export { HttpProviderClient } from './http-provider-client';
export { MemoryTokenBucket } from './memory-token-bucket';
export { PacedProviderClient } from './paced-provider-client';
export { DEFAULT_PROVIDER_RATE_LIMITS, resolveRateLimits } from './pacing-policy';
export type { CallOutcome, ProviderClient, ProviderRequest } from './provider-client';
export type { FixResult, ReconciliationReport } from './reconciler';
export { DRIFT_KINDS, type DriftKind, type Finding } from './reconciliation';
export { RedisTokenBucket } from './redis-token-bucket';
export * from './saga';
export type * from './saga-api-schemas';
export {
  DEFAULT_BREAKER_POLICY,
  DEFAULT_SAGA_POLICIES,
  type SagaPolicies,
  type SagaPolicyOverrides,
} from './saga-policies';
export { type SagaService, startSagaService } from './saga-service';
export type { SagaRef, SagaView } from './saga-view';
