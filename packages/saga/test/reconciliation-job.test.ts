import { createLogger } from '@edge/common';
import { describe, expect, it } from 'vitest';
import type { Reconciler, ReconciliationReport } from '../src/reconciler';
import { ReconciliationJob } from '../src/reconciliation-job';
import { inProcessReports } from '../src/reconciliation-reports';

/** A reconciler whose runs end when the test says, counting how many overlap. */
function heldReconciler() {
  const runs: { startedAt: number; finish: () => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let clock = 0;
  const reconciler = {
    run: () =>
      new Promise<ReconciliationReport>((resolve) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const startedAt = ++clock;
        runs.push({
          startedAt,
          finish: () => {
            inFlight--;
            resolve({ at: new Date(startedAt).toISOString(), findings: [], counts: {} } as never);
          },
        });
      }),
  };
  return { reconciler: reconciler as unknown as Reconciler, runs, maxInFlight: () => maxInFlight };
}

describe('reconciliation job', () => {
  it('runs one reconciliation at a time: callers during a run share the next one, which starts after theirs arrived', async () => {
    const held = heldReconciler();
    const job = new ReconciliationJob({
      reconciler: held.reconciler,
      leadership: { isLeader: () => false, stop: async () => {} },
      reports: inProcessReports(),
      log: createLogger({ service: 'saga-test', level: 'silent' }),
      intervalMs: 3_600_000,
    });
    const first = job.runOnce();
    const during = Array.from({ length: 5 }, () => job.runOnce());
    // A run first takes its number from the report store.
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.runs).toHaveLength(1);
    held.runs[0]?.finish();
    expect((await first).at).toBe(new Date(1).toISOString());
    // The five callers that arrived during the first run share one second run.
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.runs).toHaveLength(2);
    held.runs[1]?.finish();
    const reports = await Promise.all(during);
    expect(new Set(reports.map((r) => r.at))).toEqual(new Set([new Date(2).toISOString()]));
    expect(held.maxInFlight()).toBe(1);
    // Idle again: the next caller starts a run of its own at once.
    const later = job.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.runs).toHaveLength(3);
    held.runs[2]?.finish();
    expect((await later).at).toBe(new Date(3).toISOString());
  });
});

describe('a reconciliation run that fails', () => {
  it('is recorded with its time and why, after the report it could not replace', async () => {
    let fail = false;
    const reconciler = {
      run: async () => {
        if (fail) {
          throw new Error('could not read payment /__ledger: {"kind":"not_sent","reason":"paced"}');
        }
        return { at: '2026-12-01T04:50:00.000Z', findings: [], counts: {} } as never;
      },
    } as unknown as Reconciler;
    const job = new ReconciliationJob({
      reconciler,
      leadership: { isLeader: () => false, stop: async () => {} },
      reports: inProcessReports(),
      log: createLogger({ service: 'saga-test', level: 'silent' }),
      intervalMs: 3_600_000,
    });
    await job.runOnce();
    expect((await job.status()).lastFailure).toBeUndefined();
    fail = true;
    await expect(job.runOnce()).rejects.toThrow(/paced/);
    const { report, lastFailure } = await job.status();
    expect(report?.at).toBe('2026-12-01T04:50:00.000Z');
    expect(lastFailure).toMatchObject({
      afterReport: true,
      error: expect.stringMatching(/ledger/),
    });
    // A later run that reports: the failure stays readable, but is no longer after the report.
    fail = false;
    await job.runOnce();
    expect((await job.status()).lastFailure?.afterReport).toBe(false);
  });
});
