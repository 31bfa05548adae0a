import { createFailFastRedis, type Logger, logRedisErrors, type RedisClient } from '@edge/common';
import { sagaKeyHead } from '@edge/order-events';
import { breakerStateReporter } from './breaker-state-reporter.js';
import type { SagaConfig } from './config.js';
import { HttpProviderClient } from './http-provider-client.js';
import { LeasedTokenBucket } from './leased-token-bucket.js';
import { MemoryTokenBucket } from './memory-token-bucket.js';
import { PacedProviderClient } from './paced-provider-client.js';
import { resolveRateLimits } from './pacing-policy.js';
import { PROVIDERS, type ProviderClient } from './provider-client.js';
import { RedisTokenBucket } from './redis-token-bucket.js';
import type { SagaMetrics } from './saga-metrics.js';
import type { BreakerPolicy } from './saga-policies.js';

export interface SagaProviders {
  providers: ProviderClient;
  close(): Promise<void>;
}

/**
 * The provider client every worker uses: HTTP behind one breaker per provider, paced by one
 * token bucket per provider (and account) and one per route (paused by that route's 429s). With Redis the buckets are shared by every process;
 * embedded, this process is the only caller and keeps them in memory.
 */
export function createSagaProviders(options: {
  config: SagaConfig;
  breaker: BreakerPolicy;
  shared: boolean;
  metrics: SagaMetrics;
  log: Logger;
}): SagaProviders {
  const { config, metrics, log } = options;
  const http = new HttpProviderClient({
    baseUrls: config.serviceUrls,
    breaker: options.breaker,
    onBreakerState: breakerStateReporter(metrics, log),
  });
  // Every provider's series from the start (closed), not from its breaker's first change: the
  // alert rules and runbooks read saga_breaker_state, and a missing series reads as no data.
  const states = http.breakerStates();
  for (const provider of PROVIDERS) metrics.setBreakerState(provider, states[provider]);
  // Pacing asks Redis for tokens a few at a time (leased): it must fail fast (and fall back)
  // rather than queue, and the leases of concurrent sagas share socket writes (auto-pipelining).
  let redis: RedisClient | undefined;
  if (options.shared) {
    redis = createFailFastRedis(config.redis, { enableAutoPipelining: true });
    logRedisErrors(redis, log, 'pacing');
  }
  const buckets = redis
    ? new LeasedTokenBucket({
        inner: new RedisTokenBucket({ redis, prefix: `${sagaKeyHead(config.keyPrefix)}pace:` }),
      })
    : new MemoryTokenBucket();
  const providers = new PacedProviderClient({
    inner: http,
    buckets,
    limits: resolveRateLimits(config.rateLimits),
    log,
    onPaced: (provider, priority) => metrics.pacedCalls.inc({ provider, priority }),
    onThrottled: (provider, route, pauseMs) => {
      metrics.throttles.inc({ provider, route });
      log.warn(
        { provider, route, pauseMs },
        `provider answered 429 on ${route}: that route paused for every worker, other routes go on`,
      );
    },
  });
  return {
    providers,
    async close() {
      await providers.close();
      await buckets.close();
      redis?.disconnect();
    },
  };
}
