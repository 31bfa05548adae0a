import type { ThresholdAlert } from '@edge/common';
import {
  checkAlert,
  type SagaAlertCheck,
  type SagaAlertCheckOptions,
  type SagaAlertPayload,
} from './saga-alerts.js';

export interface DlqAlertOptions extends SagaAlertCheckOptions {
  /** Depth at which the alert fires. */
  threshold: number;
}

export interface DlqAlert extends SagaAlertPayload {
  alert: 'saga_dlq_depth';
  depth: number;
  threshold: number;
  oldestAgeSeconds: number;
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
    this.alert = checkAlert(options, 'saga DLQ alert', this.name);
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
