import type { RedisClient } from '@edge/common';
import type { ReconciliationReport } from './reconciler.js';

/** What every orchestrator exports and alerts on: when the last report was made, and its counts. */
export type ReportCounts = Pick<ReconciliationReport, 'at' | 'counts'> & { findings: number };

/**
 * The last reconciliation's report, one for all orchestrators: whichever process ran it (the
 * leader's schedule, an operator's run or fix on any pod), every page shows it and every process
 * exports its counts, so what the page and `saga_reconciliation_findings` say does not depend on
 * which pod answers. A report older than the one held (a slow run finishing after a later one)
 * is not kept.
 */
export interface ReconciliationReports {
  /**
   * Number a run as it starts. Runs are ordered by this, not by their reports' clocks: a pod
   * whose clock ran ahead stamped its report "later" and froze every report after it, a fix's
   * included, until real time caught up.
   */
  begin(): Promise<number>;
  /** Keep `report` unless a run that began after its own already stored one. */
  save(report: ReconciliationReport, run: number): Promise<void>;
  latest(): Promise<ReconciliationReport | undefined>;
  /** The latest report without its findings: what every process reads on each alert tick. */
  latestCounts(): Promise<ReportCounts | undefined>;
}

const countsOf = (report: ReconciliationReport): ReportCounts => ({
  at: report.at,
  counts: report.counts,
  findings: report.findings.length,
});

/** Embedded mode: one process, so the report lives in its memory. */
export function inProcessReports(): ReconciliationReports {
  let held: ReconciliationReport | undefined;
  let heldRun = 0;
  let runs = 0;
  return {
    begin: async () => ++runs,
    async save(report, run) {
      if (run < heldRun) return;
      held = report;
      heldRun = run;
    },
    latest: async () => held,
    latestCounts: async () => (held ? countsOf(held) : undefined),
  };
}

// A report replaces the held one unless that one's run began later (`run`: the run's number).
const SAVE_IF_NEWER = `
local held = tonumber(redis.call('HGET', KEYS[1], 'run') or '0')
if held > tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[1], 'at', ARGV[1], 'counts', ARGV[2], 'findings', ARGV[3], 'total', ARGV[4], 'run', ARGV[5])
return 1
`;

/**
 * The report in one hash of the saga store (`<prefix>{saga}:reconciliation`): `at`, `counts` and
 * `total` for the alert ticks, `findings` (JSON) for the page and `GET /reconciliation` readers,
 * `runs` (runs begun) and `run` (the held report's).
 */
export function redisReports(redis: RedisClient, key: string): ReconciliationReports {
  return {
    // In the report's own hash: one key, so one slot on a cluster.
    begin: () => redis.hincrby(key, 'runs', 1),
    async save(report, run) {
      await redis.eval(
        SAVE_IF_NEWER,
        1,
        key,
        report.at,
        JSON.stringify(report.counts),
        JSON.stringify(report.findings),
        String(report.findings.length),
        String(run),
      );
    },
    async latest() {
      const [at, counts, findings] = await redis.hmget(key, 'at', 'counts', 'findings');
      if (!at || !counts || !findings) return undefined;
      return { at, counts: JSON.parse(counts), findings: JSON.parse(findings) };
    },
    async latestCounts() {
      const [at, counts, total] = await redis.hmget(key, 'at', 'counts', 'total');
      if (!at || !counts || !total) return undefined;
      return { at, counts: JSON.parse(counts), findings: Number(total) };
    },
  };
}
