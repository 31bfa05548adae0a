import { AGE_ALERT_RESOLVE_SHARE, type ThresholdAlert } from '@edge/common';
import {
  checkAlert,
  type SagaAlertCheck,
  type SagaAlertCheckOptions,
  type SagaAlertPayload,
} from './saga-alerts.js';

/**
 * A compensation (refund, release) still running five minutes after it began: by then a customer
 * is waiting for money back and the provider is failing, hours before the compensation horizon
 * could dead-letter it.
 */
export const DEFAULT_COMPENSATION_AGE_ALERT_MS = 5 * 60_000;

export interface CompensationAgeAlertOptions extends SagaAlertCheckOptions {
  /** Age of the oldest pending compensation at which the alert fires. */
  thresholdMs: number;
}

export interface CompensationAgeAlert extends SagaAlertPayload {
  alert: 'saga_compensation_pending_too_long';
  pending: number;
  oldestAgeSeconds: number;
  thresholdSeconds: number;
}

/** Watches the oldest compensation in progress, the early warning before the DLQ. */
export class CompensationAgeAlertCheck implements SagaAlertCheck {
  readonly name = 'saga_compensation_pending_too_long';
  private readonly alert: ThresholdAlert;

  constructor(private readonly options: CompensationAgeAlertOptions) {
    this.alert = checkAlert(options, 'saga compensation pending too long', this.name);
  }

  async evaluate(now: number, deliver: boolean): Promise<void> {
    const { store, metrics, thresholdMs } = this.options;
    const stats = await store.compensationStats();
    const oldestAgeMs = stats.oldestSince === null ? 0 : Math.max(0, now - stats.oldestSince);
    metrics.compensationsPending.set(stats.pending);
    metrics.compensationOldestAgeSeconds.set(oldestAgeMs / 1000);
    if (!deliver) return;
    const waiting = stats.oldestSince !== null;
    await this.alert.update(
      waiting && oldestAgeMs >= thresholdMs,
      now,
      (state): CompensationAgeAlert => ({
        alert: 'saga_compensation_pending_too_long',
        state,
        pending: stats.pending,
        oldestAgeSeconds: Math.round(oldestAgeMs / 1000),
        thresholdSeconds: thresholdMs / 1000,
        at: new Date(now).toISOString(),
        service: 'saga',
      }),
      !waiting || oldestAgeMs < thresholdMs * AGE_ALERT_RESOLVE_SHARE,
    );
  }
}
