import { Counter, Gauge, type Logger, type Registry } from '@edge/common';
import type { JwksFetchOutcome, JwksHealth } from './jwks-source.js';

const HEALTH_VALUE: Record<JwksHealth, number> = { fresh: 0, stale: 1, unavailable: 2 };

/**
 * What operators see of the identity provider: every JWKS fetch attempt by outcome, requests
 * answered 503 for want of keys, the key set's health, and a warning when a fetch fails.
 */
export function createJwksObserver(log: Logger, registry: Registry) {
  let health: () => JwksHealth = () => 'unavailable';
  const fetches = new Counter({
    name: 'gateway_jwks_fetch_total',
    help: 'JWKS fetch attempts, by outcome (ok or failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const unavailable = new Counter({
    name: 'gateway_idp_unavailable_total',
    help: 'Requests answered 503 because no signing key could be had from the identity provider',
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_jwks_health',
    help: 'User-token keys: 0 fresh, 1 stale (served while refreshes fail), 2 unavailable',
    registers: [registry],
    collect() {
      this.set(HEALTH_VALUE[health()]);
    },
  });
  return {
    onFetch: (outcome: JwksFetchOutcome) => {
      fetches.inc({ outcome: outcome.ok ? 'ok' : 'failed' });
      if (!outcome.ok) {
        log.warn({ reason: outcome.reason, health: health() }, 'JWKS fetch failed');
      }
    },
    onUnavailable: () => unavailable.inc(),
    /** The key set whose health the gauge reports (created once the JWKS URL is known). */
    track: (source: { health: () => JwksHealth }) => {
      health = source.health;
    },
  };
}
