import { randomUUID } from 'node:crypto';
import { Redis } from '@edge/common';
import { REDIS_URL } from '@edge/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReconciliationReport } from '../src/reconciler';
import {
  inProcessReports,
  type ReconciliationReports,
  redisReports,
} from '../src/reconciliation-reports';

const redis = new Redis(REDIS_URL);
const key = `test:reconciliation:${randomUUID()}`;
afterAll(async () => {
  await redis.del(key);
  await redis.quit();
});

const report = (at: string, findings: number): ReconciliationReport =>
  ({
    at,
    counts: { charges: 1, refunds: 0, reservations: 0, shipments: 0 },
    findings: Array.from({ length: findings }, (_, i) => ({ kind: 'charged_without_order', i })),
  }) as unknown as ReconciliationReport;

describe.each<[string, () => ReconciliationReports]>([
  ['redis', () => redisReports(redis, key)],
  ['in process', inProcessReports],
])('the shared reconciliation report (%s)', (_, make) => {
  it('is ordered by when runs began, not by the clocks of the pods that ran them', async () => {
    const reports = make();
    // A pod whose clock runs 90 s ahead stores its findings...
    const fast = await reports.begin();
    await reports.save(report('2026-12-01T10:01:30.000Z', 1), fast);
    // ...then a fix's run on a pod with the right clock finds nothing: its report is the one kept.
    const fixed = await reports.begin();
    await reports.save(report('2026-12-01T10:00:30.000Z', 0), fixed);
    expect((await reports.latestCounts())?.findings).toBe(0);
  });

  it('a run that began earlier and finished later does not replace a later run', async () => {
    const reports = make();
    const slow = await reports.begin();
    const quick = await reports.begin();
    await reports.save(report('2026-12-01T11:00:05.000Z', 0), quick);
    await reports.save(report('2026-12-01T11:00:09.000Z', 3), slow);
    expect(await reports.latestCounts()).toMatchObject({
      at: '2026-12-01T11:00:05.000Z',
      findings: 0,
    });
  });

  it('keeps the newest failed run and says whether it began after the held report', async () => {
    const reports = make();
    const ok = await reports.begin();
    const failed = await reports.begin();
    await reports.failed({ at: '2026-12-01T12:00:05.000Z', error: 'paced' }, failed);
    await reports.save(report('2026-12-01T12:00:00.000Z', 0), ok);
    expect(await reports.lastFailure()).toEqual({
      at: '2026-12-01T12:00:05.000Z',
      error: 'paced',
      afterReport: true,
    });
    const later = await reports.begin();
    await reports.save(report('2026-12-01T12:05:00.000Z', 0), later);
    expect((await reports.lastFailure())?.afterReport).toBe(false);
  });
});
