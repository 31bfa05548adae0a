import {
  createAlertChannel,
  type Logger,
  type Periodic,
  startPeriodic,
  ThresholdAlert,
} from '@edge/common';
import type { SagaMetrics } from './saga-metrics';
import type { SagaStore } from './saga-store';

export interface DlqAlertOptions {
  store: SagaStore;
  metrics: SagaMetrics;
  log: Logger;
  /** Depth at which the alert fires. */
  threshold: number;
  /** While crossed, fire again this often. */
  repeatMs: number;
  /** How often the DLQ is measured. */
  intervalMs: number;
  /** Where the JSON alert is POSTed; unset = log only. */
  webhookUrl: string | undefined;
  now?: () => number;
}

export interface DlqAlert {
  alert: 'saga_dlq_depth';
  state: 'firing' | 'resolved';
  depth: number;
  threshold: number;
  oldestAgeSeconds: number;
  at: string;
  service: 'saga';
}

/**
 * Measures the DLQ, exports it, and alerts when it crosses the threshold, repeating while it
 * stays crossed. The incident this exists for was a DLQ nobody was told about; so a failed
 * webhook is retried on the next tick rather than counted as sent.
 */
export class DlqAlertEvaluator {
  private periodic: Periodic | undefined;
  private readonly now: () => number;
  private readonly alert: ThresholdAlert;

  constructor(private readonly options: DlqAlertOptions) {
    this.now = options.now ?? Date.now;
    this.alert = new ThresholdAlert({
      name: 'saga DLQ alert',
      channel: createAlertChannel({ webhookUrl: options.webhookUrl, log: options.log }),
      log: options.log,
      repeatMs: options.repeatMs,
      onSend: (state) => options.metrics.alerts.inc({ state }),
    });
  }

  start(): void {
    this.periodic = startPeriodic(
      this.options.intervalMs,
      () => this.evaluate(),
      (err) => this.options.log.warn({ err }, 'DLQ evaluation failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  async evaluate(): Promise<void> {
    const { store, metrics, threshold } = this.options;
    const stats = await store.dlqStats();
    const now = this.now();
    const oldestAgeSeconds =
      stats.oldestAt === null ? 0 : Math.max(0, (now - stats.oldestAt) / 1000);
    metrics.dlqDepth.set(stats.depth);
    metrics.dlqOldestAgeSeconds.set(oldestAgeSeconds);
    await this.alert.update(
      stats.depth >= threshold,
      now,
      (state): DlqAlert => ({
        alert: 'saga_dlq_depth',
        state,
        depth: stats.depth,
        threshold,
        oldestAgeSeconds,
        at: new Date(now).toISOString(),
        service: 'saga',
      }),
    );
  }
}
