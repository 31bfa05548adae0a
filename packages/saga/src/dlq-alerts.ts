import { type AlertChannel, createAlertChannel, type Logger } from '@edge/common';
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
  private timer: NodeJS.Timeout | undefined;
  private firing = false;
  private lastSentAt = 0;
  private running: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly channel: AlertChannel;

  constructor(private readonly options: DlqAlertOptions) {
    this.now = options.now ?? Date.now;
    this.channel = createAlertChannel({ webhookUrl: options.webhookUrl, log: options.log });
  }

  start(): void {
    const tick = () => {
      this.running = this.evaluate()
        .catch((err: unknown) => this.options.log.warn({ err }, 'DLQ evaluation failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async evaluate(): Promise<void> {
    const { store, metrics, threshold, repeatMs, log } = this.options;
    const stats = await store.dlqStats();
    const now = this.now();
    const oldestAgeSeconds =
      stats.oldestAt === null ? 0 : Math.max(0, (now - stats.oldestAt) / 1000);
    metrics.dlqDepth.set(stats.depth);
    metrics.dlqOldestAgeSeconds.set(oldestAgeSeconds);
    const crossed = stats.depth >= threshold;
    const alert = (state: DlqAlert['state']): DlqAlert => ({
      alert: 'saga_dlq_depth',
      state,
      depth: stats.depth,
      threshold,
      oldestAgeSeconds,
      at: new Date(now).toISOString(),
      service: 'saga',
    });
    if (crossed && (!this.firing || now - this.lastSentAt >= repeatMs)) {
      const payload = alert('firing');
      log.error(payload, 'saga DLQ alert');
      if (await this.notify(payload)) {
        this.firing = true;
        this.lastSentAt = now;
      }
    } else if (!crossed && this.firing) {
      const payload = alert('resolved');
      log.info(payload, 'saga DLQ alert resolved');
      if (await this.notify(payload)) this.firing = false;
    }
  }

  private async notify(payload: DlqAlert): Promise<boolean> {
    this.options.metrics.alerts.inc({ state: payload.state });
    return this.channel.send(payload);
  }
}
