import {
  type AlertChannel,
  type Logger,
  type Periodic,
  startPeriodic,
  type ThresholdAlert,
} from '@edge/common';
import type { Leadership } from './leader-lease.js';
import type { FixResult, Reconciler, ReconciliationReport } from './reconciler.js';
import type { Finding } from './reconciliation.js';
import { checkAlert } from './saga-alerts.js';
import type { SagaMetrics } from './saga-metrics.js';

/** How often the leader reconciles sagas with providers: every 5 minutes. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;

export interface ReconciliationAlert {
  alert: 'saga_reconciliation_drift';
  state: 'firing' | 'resolved';
  findings: number;
  counts: ReconciliationReport['counts'];
  at: string;
  service: 'saga';
}

export interface ReconciliationJobOptions {
  reconciler: Reconciler;
  leadership: Leadership;
  metrics: SagaMetrics;
  channel: AlertChannel;
  log: Logger;
  intervalMs: number;
  /** While drift persists, alert again this often. */
  repeatMs: number;
}

/**
 * The scheduled reconciliation: the leader runs it, exports the findings per kind and alerts
 * while any remain. It only reports; repairs are an operator's `reconcile --fix`. A run asked
 * for by an operator (any process) exports too, but alerts only from the leader.
 */
export class ReconciliationJob {
  private periodic: Periodic | undefined;
  private latest: ReconciliationReport | undefined;
  private readonly alert: ThresholdAlert;

  constructor(private readonly options: ReconciliationJobOptions) {
    this.alert = checkAlert(options, 'saga reconciliation drift', (state) =>
      options.metrics.alerts.inc({ alert: 'saga_reconciliation_drift', state }),
    );
  }

  start(): void {
    this.periodic = startPeriodic(
      this.options.intervalMs,
      async () => {
        if (this.options.leadership.isLeader()) await this.runOnce();
      },
      (err) => this.options.log.warn({ err }, 'reconciliation failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  /** The last scheduled run's report, if this process ran one. */
  report(): ReconciliationReport | undefined {
    return this.latest;
  }

  /** Send the safe repairs of `findings` (compensations: they go before forward work). */
  fix(findings: readonly Finding[]): Promise<FixResult[]> {
    return this.options.reconciler.fix(findings);
  }

  /**
   * Reconcile now, export, and alert on the result (also after a fix, to resolve at once). One
   * run at a time per process: each reads every provider's whole ledger, so callers arriving
   * while one is in flight share the next run, which starts after it (their answer is never older
   * than their request) however many of them ask: a viewer reloading the page cannot multiply
   * the provider load that live orders share.
   */
  runOnce(): Promise<ReconciliationReport> {
    if (!this.running) return this.startRun();
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.startRun();
      });
    return this.queued;
  }

  private running: Promise<ReconciliationReport> | undefined;
  private queued: Promise<ReconciliationReport> | undefined;

  private startRun(): Promise<ReconciliationReport> {
    const run = this.reconcile().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async reconcile(): Promise<ReconciliationReport> {
    const report = await this.options.reconciler.run();
    this.latest = report;
    for (const [kind, count] of Object.entries(report.counts)) {
      this.options.metrics.reconciliationFindings.set({ kind }, count);
    }
    if (this.options.leadership.isLeader()) {
      await this.alert.update(
        report.findings.length > 0,
        Date.parse(report.at),
        (state): ReconciliationAlert => ({
          alert: 'saga_reconciliation_drift',
          state,
          findings: report.findings.length,
          counts: report.counts,
          at: report.at,
          service: 'saga',
        }),
      );
    }
    return report;
  }
}
