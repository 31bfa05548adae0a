import { AppError, ErrorCode, type Route, readJson, sendJson } from '@edge/common';
import { guarded, parse } from './api-handler.js';
import { ReconciliationReadError } from './reconciler.js';
import type { ReconciliationJob } from './reconciliation-job.js';
import { operatorRequest } from './saga-api-schemas.js';
import type { SagaAuth } from './saga-auth.js';

/** A provider list that could not be read is an upstream outage, never a 500. */
async function reconciled<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ReconciliationReadError) {
      const retryAfterS = Math.max(1, Math.ceil((error.retryAfterMs ?? 5_000) / 1000));
      throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, error.message, {
        headers: { 'retry-after': String(retryAfterS) },
      });
    }
    throw error;
  }
}

/**
 * `GET /reconciliation` (viewer): reconcile now and list the drift. `POST /reconciliation/fix`
 * (operator): reconcile, send every safe repair, then reconcile again and answer what is left.
 * The scheduled run's alert follows the second reconciliation, so it resolves at once.
 */
export function createReconciliationRoutes(options: {
  job: ReconciliationJob;
  auth: SagaAuth;
}): Route[] {
  const { job, auth } = options;
  return [
    {
      method: 'GET',
      path: '/reconciliation',
      handler: guarded(async (ctx) => {
        await auth.operator(ctx, 'viewer');
        const report = await reconciled(() => job.runOnce());
        // The newest run that failed (the schedule's, or another caller's), so a reader learns
        // that scheduled runs fail even when this one got through.
        const { lastFailure } = await job.status();
        sendJson(ctx.res, 200, {
          ...report,
          lastFailure: lastFailure ? { at: lastFailure.at, error: lastFailure.error } : null,
        });
      }),
    },
    {
      method: 'POST',
      path: '/reconciliation/fix',
      handler: guarded(async (ctx) => {
        auth.stateChange(ctx);
        const { subject } = await auth.operator(ctx, 'operator');
        const { reason } = parse(operatorRequest, await readJson(ctx.req));
        const result = await reconciled(async () => {
          const before = await job.runOnce();
          const fixes = await job.fix(before.findings);
          ctx.log.warn(
            { actor: subject, reason, fixes: fixes.map((f) => [f.finding.kind, f.outcome]) },
            'reconciliation fix',
          );
          return { fixes, after: await job.runOnce() };
        });
        sendJson(ctx.res, 200, result);
      }),
    },
  ];
}
