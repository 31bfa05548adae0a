import { ProjectionLagMonitor, readModelHeartbeatKey } from '@edge/catalog-events';
import {
  createAlertChannel,
  createRedisClient,
  type Logger,
  logRedisErrors,
  type Registry,
  resolveStoreKind,
} from '@edge/common';
import type { ServicesMockConfig } from './config.js';
import { createRedisProductEvents, type ProductEventSink } from './product-event-publisher.js';

export interface ProductEventsRuntime {
  sink: ProductEventSink;
  /** Puts `projection_lag_seconds` on the product port's registry and starts watching it. */
  registerMetrics(registry: Registry): void;
  close(): Promise<void>;
}

/**
 * The write side's stream plumbing, when Redis is there: the event publisher with its
 * heartbeat, and the projection lag monitor. The monitor lives here rather than in the
 * projection so that lag keeps rising, and the alert fires, while the projection is down.
 * Without Redis there is no stream and no read model, and this says so once.
 */
export async function startProductEvents(
  config: ServicesMockConfig,
  log: Logger,
): Promise<ProductEventsRuntime | undefined> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, log);
  if (kind === 'memory') {
    log.warn('no product event stream: the catalogue read model is off');
    return undefined;
  }
  const { productEvents: options } = config;
  // Appends keep the offline queue: during a Redis blip a change's event waits and lands in
  // order instead of being dropped.
  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 20 });
  logRedisErrors(redis, log, 'product events');
  const sink = createRedisProductEvents({
    redis,
    stream: options.stream,
    log,
    heartbeatMs: options.heartbeatMs,
  });
  let monitor: ProjectionLagMonitor | undefined;
  log.info({ stream: options.stream, heartbeatMs: options.heartbeatMs }, 'product events on');
  return {
    sink,
    registerMetrics: (registry) => {
      monitor = new ProjectionLagMonitor({
        redis,
        keys: { heartbeat: readModelHeartbeatKey(options.readModelPrefix) },
        registry,
        log,
        alerts: createAlertChannel({ webhookUrl: options.alertWebhookUrl, log }),
        thresholdMs: options.lagThresholdMs,
        intervalMs: options.lagIntervalMs,
        repeatMs: options.lagRepeatMs,
        service: 'services-mock',
      });
      monitor.start();
    },
    close: async () => {
      await monitor?.stop();
      await sink.close();
      await redis.quit();
    },
  };
}
