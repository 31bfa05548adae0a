import { type Logger, type Periodic, startPeriodic } from '@edge/common';
import type { Leadership } from './leader-lease.js';
import type { FixResult, Reconciler, ReconciliationReport, RunOptions } from './reconciler.js';
import type { Finding } from './reconciliation.js';
import type { LastFailure, ReconciliationReports } from './reconciliation-reports.js';

/** How often the leader reconciles sagas with providers: every 5 minutes. */
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;

/**
 * How long a scheduled run's reads may wait in all for pacing (a route paused by its 429, or
 * the provider's rate): while a payment 429 with a 30 s Retry-After paused the whole provider, it
 * failed every scheduled run during a refund incident, the one time its report matters. Capped at half the interval so a run ends before the next one is due.
 */
export const SCHEDULED_PACED_WAIT_MS = 60_000;

/** What the page shows: the last report, and the newest run that failed. */
export interface ReconciliationStatus {
  report: ReconciliationReport | undefined;
  lastFailure: LastFailure | undefined;
}

export interface ReconciliationJobOptions {
  reconciler: Reconciler;
  leadership: Leadership;
  /** Where each run's report goes, for every process's page, metrics and alert. */
  reports: ReconciliationReports;
  log: Logger;
  intervalMs: number;
}

/**
 * The scheduled reconciliation: the leader runs it and stores the report, from which every
 * process exports the findings and the leader alerts (ReconciliationAlertCheck). It only
 * reports; repairs are an operator's `reconcile --fix`. A run asked for by an operator, on any
 * process, stores its report the same way.
 */
export class ReconciliationJob {
  private periodic: Periodic | undefined;

  constructor(private readonly options: ReconciliationJobOptions) {}

  start(): void {
    this.periodic = startPeriodic(
      this.options.intervalMs,
      async () => {
        if (!this.options.leadership.isLeader()) return;
        // A run in flight (an operator's) stores its report: no second one behind it.
        if (this.running) return;
        await this.startRun({
          pacedWaitMs: Math.min(SCHEDULED_PACED_WAIT_MS, this.options.intervalMs / 2),
        });
      },
      (err) => this.options.log.warn({ err }, 'reconciliation failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  /** The last report, whichever process made it. */
  report(): Promise<ReconciliationReport | undefined> {
    return this.options.reports.latest();
  }

  /** The last report and the newest run that failed. */
  async status(): Promise<ReconciliationStatus> {
    const [report, lastFailure] = await Promise.all([
      this.options.reports.latest(),
      this.options.reports.lastFailure(),
    ]);
    return { report, lastFailure };
  }

  /** Send the safe repairs of `findings` (compensations: they go before forward work). */
  fix(findings: readonly Finding[]): Promise<FixResult[]> {
    return this.options.reconciler.fix(findings);
  }

  /**
   * Reconcile now and store the report (also after a fix, so the alert resolves at once). One
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

  private startRun(options: RunOptions = {}): Promise<ReconciliationReport> {
    const run = this.reconcile(options).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async reconcile(options: RunOptions): Promise<ReconciliationReport> {
    const run = await this.options.reports.begin();
    const at = new Date().toISOString();
    let report: ReconciliationReport;
    try {
      report = await this.options.reconciler.run(Date.now(), options);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.options.reports
        .failed({ at, error: message }, run)
        .catch((err: unknown) =>
          this.options.log.warn({ err }, 'could not record a failed reconciliation'),
        );
      throw error;
    }
    await this.options.reports.save(report, run);
    return report;
  }
}
