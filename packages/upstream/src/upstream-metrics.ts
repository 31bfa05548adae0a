import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface UpstreamMetrics {
  breakerState: Gauge<'service'>;
  breakerTransitions: Counter<'service' | 'to'>;
  breakerRejections: Counter<'service' | 'reason'>;
  staleCache: Counter<'service' | 'result'>;
  latency: Histogram<'service' | 'outcome'>;
}

/**
 * The resilient layer's metrics, registered once per process into the process's registry (the
 * one its /metrics serves). Without a registry they go to a private one, as in unit tests.
 */
export function createUpstreamMetrics(registry: Registry = new Registry()): UpstreamMetrics {
  const registers = [registry];
  return {
    breakerState: new Gauge({
      name: 'upstream_breaker_state',
      help: 'Breaker state per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['service'] as const,
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'upstream_breaker_transitions_total',
      help: 'Breaker state changes per upstream, by the state entered',
      labelNames: ['service', 'to'] as const,
      registers,
    }),
    breakerRejections: new Counter({
      name: 'upstream_breaker_rejections_total',
      help: 'Calls refused without reaching the upstream, by reason (open, over_capacity, caller_share)',
      labelNames: ['service', 'reason'] as const,
      registers,
    }),
    staleCache: new Counter({
      name: 'upstream_stale_cache_total',
      help: 'Stale fallback lookups after a failed call: hit served a last good value, miss did not',
      labelNames: ['service', 'result'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Upstream HTTP call duration, by outcome (ok, client_error, error, timeout)',
      labelNames: ['service', 'outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}
