import { Counter, Gauge, type Registry } from '@edge/common';
import { BREAKER_STATE_VALUE, type BreakerState } from '@edge/upstream';
import type { ProviderName } from './provider-client.js';

export interface SagaMetrics {
  dlqDepth: Gauge;
  dlqOldestAgeSeconds: Gauge;
  events: Counter<'type'>;
  /**
   * Every alert notification the orchestrator tried to send, by alert name (the check's), state
   * and result: `ok` when the webhook took it (or none is set), `failed` when it did not.
   */
  alerts: Counter<'alert' | 'state' | 'result'>;
  /** When each alert check last read the saga store and exported its measurements (epoch s). */
  alertCheckLastSuccess: Gauge<'check'>;
  compensationsPending: Gauge;
  compensationOldestAgeSeconds: Gauge;
  /** Calls held back by provider pacing, and 429s that paused a provider. */
  pacedCalls: Counter<'provider' | 'priority'>;
  throttles: Counter<'provider' | 'route'>;
  /** Findings of the last reconciliation (whichever process ran it), by drift kind. */
  reconciliationFindings: Gauge<'kind'>;
  breakerState: Gauge<'provider'>;
  setBreakerState(provider: ProviderName, state: BreakerState): void;
}

/** The orchestrator's own series (consumer lag is the consumers' own: `events_consumer_lag`). */
export function createSagaMetrics(registry: Registry): SagaMetrics {
  const breakerState = new Gauge({
    name: 'saga_breaker_state',
    help: 'Breaker per provider: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider'] as const,
    registers: [registry],
  });
  return {
    dlqDepth: new Gauge({
      name: 'saga_dlq_depth',
      help: 'Sagas in the dead-letter queue',
      registers: [registry],
    }),
    dlqOldestAgeSeconds: new Gauge({
      name: 'saga_dlq_oldest_age_seconds',
      help: 'Age of the oldest dead-lettered saga (0 when empty)',
      registers: [registry],
    }),
    events: new Counter({
      name: 'saga_events_total',
      help: 'Saga history events written by this process, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    alerts: new Counter({
      name: 'saga_alerts_total',
      help: 'Alert notifications tried, by alert, state and result (ok, failed)',
      labelNames: ['alert', 'state', 'result'] as const,
      registers: [registry],
    }),
    alertCheckLastSuccess: new Gauge({
      name: 'saga_alert_check_last_success_timestamp_seconds',
      help: 'When each alert check last measured the saga store (0: never); the saga gauges are that old',
      labelNames: ['check'] as const,
      registers: [registry],
    }),
    compensationsPending: new Gauge({
      name: 'saga_compensations_pending',
      help: 'Sagas compensating now (refunds, releases in progress)',
      registers: [registry],
    }),
    compensationOldestAgeSeconds: new Gauge({
      name: 'saga_compensation_oldest_age_seconds',
      help: 'Age of the oldest compensation in progress (0 when none)',
      registers: [registry],
    }),
    pacedCalls: new Counter({
      name: 'saga_provider_paced_total',
      help: 'Provider calls held back by pacing (not sent, not an attempt)',
      labelNames: ['provider', 'priority'] as const,
      registers: [registry],
    }),
    throttles: new Counter({
      name: 'saga_provider_throttled_total',
      // route is method and first path segment (POST /refunds): bounded by the paths we call.
      help: 'Provider 429 answers, by route (method and first path segment); each pauses that route for every worker',
      labelNames: ['provider', 'route'] as const,
      registers: [registry],
    }),
    reconciliationFindings: new Gauge({
      name: 'saga_reconciliation_findings',
      help: 'Drift found by the last reconciliation, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    breakerState,
    setBreakerState(provider, state) {
      breakerState.set({ provider }, BREAKER_STATE_VALUE[state]);
    },
  };
}
