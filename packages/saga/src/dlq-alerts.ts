import { type AlertChannel, type Logger, ThresholdAlert } from '@edge/common';
import type { SagaAlertCheck } from './saga-alerts.js';
import type { SagaMetrics } from './saga-metrics.js';
import type { SagaStore } from './saga-store.js';

export interface DlqAlertOptions {
  store: SagaStore;
  metrics: SagaMetrics;
  log: Logger;
  channel: AlertChannel;
  /** Depth at which the alert fires. */
  threshold: number;
  /** While crossed, fire again this often. */
  repeatMs: number;
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
export class DlqAlertCheck implements SagaAlertCheck {
  readonly name = 'saga_dlq_depth';
  private readonly alert: ThresholdAlert;

  constructor(private readonly options: DlqAlertOptions) {
    this.alert = new ThresholdAlert({
      name: 'saga DLQ alert',
      channel: options.channel,
      log: options.log,
      repeatMs: options.repeatMs,
      onSend: (state) => options.metrics.alerts.inc({ state }),
    });
  }

  async evaluate(now: number, deliver: boolean): Promise<void> {
    const { store, metrics, threshold } = this.options;
    const stats = await store.dlqStats();
    const oldestAgeSeconds =
      stats.oldestAt === null ? 0 : Math.max(0, (now - stats.oldestAt) / 1000);
    metrics.dlqDepth.set(stats.depth);
    metrics.dlqOldestAgeSeconds.set(oldestAgeSeconds);
    if (!deliver) return;
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
