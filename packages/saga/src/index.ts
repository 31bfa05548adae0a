export { sagaKeyHead } from '@edge/order-events';
export { DEFAULT_COMPENSATION_AGE_ALERT_MS } from './compensation-age-alert.js';
export { loadSagaConfig, type SagaConfig } from './config.js';
export { HttpProviderClient } from './http-provider-client.js';
export { LeasedTokenBucket } from './leased-token-bucket.js';
export { MemoryTokenBucket } from './memory-token-bucket.js';
export { PacedProviderClient } from './paced-provider-client.js';
export { DEFAULT_PROVIDER_RATE_LIMITS, resolveRateLimits } from './pacing-policy.js';
export type { CallOutcome, ProviderClient, ProviderRequest } from './provider-client.js';
export type { FixResult, ReconciliationReport } from './reconciler.js';
export { DRIFT_KINDS, type DriftKind, type Finding } from './reconciliation.js';
export { RedisTokenBucket } from './redis-token-bucket.js';
export * from './saga.js';
export { DEFAULT_STORE_UNREADABLE_AFTER_MS } from './saga-alerts.js';
export type * from './saga-api-schemas.js';
export {
  DEFAULT_BREAKER_POLICY,
  DEFAULT_SAGA_POLICIES,
  type SagaPolicies,
  type SagaPolicyOverrides,
} from './saga-policies.js';
export { type SagaService, startSagaService } from './saga-service.js';
export type { SagaRef, SagaView } from './saga-view.js';
