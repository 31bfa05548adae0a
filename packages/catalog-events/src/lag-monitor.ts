import {
  type AlertChannel,
  Gauge,
  type Logger,
  type Periodic,
  type RedisClient,
  type Registry,
  startPeriodic,
  ThresholdAlert,
} from '@edge/common';
import { type HeartbeatKeys, readProjectionLag } from './projection-lag.js';

export const DEFAULT_LAG_MONITOR_OPTIONS = Object.freeze({
  projection: 'products',
  thresholdMs: 30_000,
  intervalMs: 1_000,
  repeatMs: 60_000,
});

export interface LagMonitorOptions {
  redis: RedisClient;
  keys: HeartbeatKeys;
  registry: Registry;
  log: Logger;
  alerts: AlertChannel;
  /** Name written to the `projection` label and the alert; default `products`. */
  projection?: string;
  /** Lag at which the alert fires; default 30 s (the EdgeProjectionLag rule's threshold). */
  thresholdMs?: number;
  /** How often lag is measured; default 1 s. */
  intervalMs?: number;
  /** While crossed, fire again this often; default 60 s. */
  repeatMs?: number;
  /** Service named in the alert payload. */
  service: string;
}

export interface ProjectionLagAlert {
  alert: 'projection_lag';
  state: 'firing' | 'resolved';
  projection: string;
  lagSeconds: number;
  thresholdSeconds: number;
  at: string;
  service: string;
}

/**
 * Exports `projection_lag_seconds{projection}` and alerts on it. It runs on the write side, not
 * in the projection, because the failure it must report is the projection being down: a
 * process cannot say that about itself. Before the first heartbeat is ever applied, lag counts
 * from when this monitor started, so a projection that never came up still crosses the
 * threshold.
 */
export class ProjectionLagMonitor {
  private readonly gauge: Gauge<'projection'>;
  private readonly projection: string;
  private readonly thresholdMs: number;
  private readonly intervalMs: number;
  private readonly startedAt = Date.now();
  private readonly alert: ThresholdAlert;
  private periodic: Periodic | undefined;

  constructor(private readonly options: LagMonitorOptions) {
    this.projection = options.projection ?? DEFAULT_LAG_MONITOR_OPTIONS.projection;
    this.thresholdMs = options.thresholdMs ?? DEFAULT_LAG_MONITOR_OPTIONS.thresholdMs;
    this.intervalMs = options.intervalMs ?? DEFAULT_LAG_MONITOR_OPTIONS.intervalMs;
    this.alert = new ThresholdAlert({
      name: 'projection lag alert',
      channel: options.alerts,
      log: options.log,
      repeatMs: options.repeatMs ?? DEFAULT_LAG_MONITOR_OPTIONS.repeatMs,
    });
    this.gauge = new Gauge({
      name: 'projection_lag_seconds',
      help: 'Seconds the catalogue read model is behind the write side (Redis clock)',
      labelNames: ['projection'] as const,
      registers: [options.registry],
    });
  }

  start(): void {
    this.periodic = startPeriodic(
      this.intervalMs,
      () => this.evaluate(),
      (err) => this.options.log.warn({ err }, 'projection lag check failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  async evaluate(): Promise<void> {
    const { lagMs } = await readProjectionLag(this.options.redis, this.options.keys);
    const now = Date.now();
    const lag = lagMs ?? now - this.startedAt;
    this.gauge.set({ projection: this.projection }, lag / 1000);
    await this.alert.update(
      lag > this.thresholdMs,
      now,
      (state): ProjectionLagAlert => ({
        alert: 'projection_lag',
        state,
        projection: this.projection,
        lagSeconds: lag / 1000,
        thresholdSeconds: this.thresholdMs / 1000,
        at: new Date(now).toISOString(),
        service: this.options.service,
      }),
    );
  }
}
