import type { ThresholdAlert } from '@edge/common';
import type { ReconciliationReport } from './reconciler.js';
import type { ReconciliationReports } from './reconciliation-reports.js';
import {
  checkAlert,
  type SagaAlertCheck,
  type SagaAlertCheckOptions,
  type SagaAlertPayload,
} from './saga-alerts.js';

export interface ReconciliationAlertOptions extends Omit<SagaAlertCheckOptions, 'store'> {
  reports: ReconciliationReports;
}

export interface ReconciliationAlert extends SagaAlertPayload {
  alert: 'saga_reconciliation_drift';
  findings: number;
  counts: ReconciliationReport['counts'];
}

/**
 * Exports the last reconciliation's findings per kind on every process, and alerts while any
 * remain, from the one shared report: after a `--fix` on any pod every process exports the
 * repaired counts and the alert resolves on the next tick, not at the leader's next run.
 */
export class ReconciliationAlertCheck implements SagaAlertCheck {
  readonly name = 'saga_reconciliation_drift';
  private readonly alert: ThresholdAlert;

  constructor(private readonly options: ReconciliationAlertOptions) {
    this.alert = checkAlert(options, 'saga reconciliation drift', this.name);
  }

  async evaluate(now: number, deliver: boolean): Promise<void> {
    const { reports, metrics } = this.options;
    const last = await reports.latestCounts();
    if (!last) return;
    for (const [kind, count] of Object.entries(last.counts)) {
      metrics.reconciliationFindings.set({ kind }, count);
    }
    if (!deliver) return;
    await this.alert.update(
      last.findings > 0,
      now,
      (state): ReconciliationAlert => ({
        alert: 'saga_reconciliation_drift',
        state,
        findings: last.findings,
        counts: last.counts,
        // When the drift was found: the report's run, not this tick.
        at: last.at,
        service: 'saga',
      }),
    );
  }
}
