import { createLogThrottle, type Logger, type LogThrottle } from '@edge/common';
import type { BreakerState } from '@edge/upstream';
import type { ProviderName } from './provider-client.js';
import type { SagaMetrics } from './saga-metrics.js';

/**
 * What a provider breaker's state change leaves: `saga_breaker_state` follows every change, and
 * the log says it through a throttle (common's log-throttle): the first change at once, then
 * while the breaker keeps changing one line per window with how many more changes there were
 * (`repeated`) and the latest state. A provider answering 503 flaps its breaker open, half-open,
 * open every few seconds: one warning per change was 74 in 100 s, burying the rest of the log.
 * One throttle per provider, so one provider's flapping never hides another's first change.
 */
export function breakerStateReporter(
  metrics: SagaMetrics,
  log: Logger,
): (provider: ProviderName, state: BreakerState) => void {
  const throttles = new Map<ProviderName, LogThrottle>();
  return (provider, state) => {
    metrics.setBreakerState(provider, state);
    let throttle = throttles.get(provider);
    if (!throttle) {
      throttle = createLogThrottle(log);
      throttles.set(provider, throttle);
    }
    throttle.warn({ provider, state }, 'breaker state changed');
  };
}
