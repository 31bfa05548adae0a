import type { RedisClient } from '@edge/common';
import type { ReconciliationReport } from './reconciler.js';

/** What every orchestrator exports and alerts on: when the last report was made, and its counts. */
export type ReportCounts = Pick<ReconciliationReport, 'at' | 'counts'> & { findings: number };

/** A run that made no report, and why: the page must not go on saying "no drift" silently. */
export interface RunFailure {
  at: string;
  error: string;
}

/** The newest failed run, and whether it began after the held report's run. */
export interface LastFailure extends RunFailure {
  /** The held report is older than this failed attempt to replace it. */
  afterReport: boolean;
}

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
  /** Record that run `run` failed; kept unless a run that began after it failed too. */
  failed(failure: RunFailure, run: number): Promise<void>;
  /** The newest failed run, whichever process ran it. */
  lastFailure(): Promise<LastFailure | undefined>;
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
  let failure: { failure: RunFailure; run: number } | undefined;
  return {
    begin: async () => ++runs,
    async save(report, run) {
      if (run < heldRun) return;
      held = report;
      heldRun = run;
    },
    latest: async () => held,
    async failed(f, run) {
      if (!failure || failure.run < run) failure = { failure: f, run };
    },
    lastFailure: async () => failure && { ...failure.failure, afterReport: failure.run > heldRun },
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

// A failed run is kept unless a later-begun run's failure is held (`failedRun`).
const FAIL_IF_NEWER = `
local held = tonumber(redis.call('HGET', KEYS[1], 'failedRun') or '0')
if held > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'failedAt', ARGV[1], 'failedError', ARGV[2], 'failedRun', ARGV[3])
return 1
`;

/**
 * The report in one hash of the saga store (`<prefix>{saga}:reconciliation`): `at`, `counts` and
 * `total` for the alert ticks, `findings` (JSON) for the page and `GET /reconciliation` readers,
 * `runs` (runs begun) and `run` (the held report's); `failedAt`, `failedError` and `failedRun`
 * for the newest failed run.
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
    async failed(failure, run) {
      await redis.eval(FAIL_IF_NEWER, 1, key, failure.at, failure.error, String(run));
    },
    async lastFailure() {
      const [at, error, failedRun, run] = await redis.hmget(
        key,
        'failedAt',
        'failedError',
        'failedRun',
        'run',
      );
      if (!at || error === null || error === undefined) return undefined;
      return { at, error, afterReport: Number(failedRun) > Number(run ?? 0) };
    },
    async latestCounts() {
      const [at, counts, total] = await redis.hmget(key, 'at', 'counts', 'total');
      if (!at || !counts || !total) return undefined;
      return { at, counts: JSON.parse(counts), findings: Number(total) };
    },
  };
}
