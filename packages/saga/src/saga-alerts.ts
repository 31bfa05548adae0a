import {
  type AlertChannel,
  type AlertState,
  type Logger,
  type Periodic,
  startPeriodic,
  ThresholdAlert,
} from '@edge/common';
import type { Leadership } from './leader-lease.js';
import type { SagaMetrics } from './saga-metrics.js';
import type { SagaStore } from './saga-store.js';

/** One measured condition: exported by every process, alerted on by the leader only. */
export interface SagaAlertCheck {
  readonly name: string;
  /** Measure and export; when `deliver`, also fire or resolve the alert. */
  evaluate(now: number, deliver: boolean): Promise<void>;
}

/** What every check reads from and delivers to. */
export interface SagaAlertCheckOptions {
  store: SagaStore;
  metrics: SagaMetrics;
  log: Logger;
  channel: AlertChannel;
  /** While the threshold stays crossed, fire again this often. */
  repeatMs: number;
}

/** What every alert of the orchestrator carries besides its own measurements. */
export interface SagaAlertPayload {
  state: AlertState;
  at: string;
  service: 'saga';
}

/** A check's threshold alert, delivered through the options' channel and logged as `name`. */
export function checkAlert(
  options: Pick<SagaAlertCheckOptions, 'channel' | 'log' | 'repeatMs'>,
  name: string,
  onSend: (state: AlertState) => void,
): ThresholdAlert {
  const { channel, log, repeatMs } = options;
  return new ThresholdAlert({ name, channel, log, repeatMs, onSend });
}

export interface SagaAlertEvaluatorOptions {
  checks: readonly SagaAlertCheck[];
  leadership: Leadership;
  /** How often the checks run. */
  intervalMs: number;
  log: Logger;
  now?: () => number;
}

/**
 * Runs every alert check on one timer. Each process exports the measurements (a scrape of any
 * instance is right), but only the leader delivers alerts, so N orchestrators page once, not N
 * times. A check that fails is reported and the others still run.
 */
export class SagaAlertEvaluator {
  private periodic: Periodic | undefined;
  private readonly now: () => number;

  constructor(private readonly options: SagaAlertEvaluatorOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.periodic = startPeriodic(
      this.options.intervalMs,
      () => this.evaluate(),
      (err) => this.options.log.warn({ err }, 'alert evaluation failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  async evaluate(): Promise<void> {
    const deliver = this.options.leadership.isLeader();
    const now = this.now();
    for (const check of this.options.checks) {
      try {
        await check.evaluate(now, deliver);
      } catch (err) {
        this.options.log.warn({ err, check: check.name }, 'alert check failed');
      }
    }
  }
}
