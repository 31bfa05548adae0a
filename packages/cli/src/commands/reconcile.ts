import type { Finding, FixResult, ReconciliationReport } from '@edge/saga-client';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { TOKEN_OPTION, withOperatorClient } from '../operator-client.js';
import { parseOptions } from '../parse-options.js';

function describe(f: Finding): string {
  const repair = f.fix ? `fix: ${f.fix.provider} POST ${f.fix.path}` : 'fix: by hand';
  return `${f.kind}\torder ${f.orderId}\t${f.recordId}\t${f.detail}\t(${repair})`;
}

function printReport(ctx: CommandContext, report: ReconciliationReport): void {
  for (const finding of report.findings) ctx.out(describe(finding));
  ctx.out(`${report.findings.length} finding(s) at ${report.at}`);
}

function printFixes(ctx: CommandContext, fixes: FixResult[]): void {
  for (const fix of fixes) ctx.out(`${fix.outcome}\t${describe(fix.finding)}\t${fix.detail}`);
}

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'diff sagas against payments, reservations and shipments; --fix repairs safe drift',
  usage: [
    'reconcile [--json]',
    'reconcile --fix --reason <why> [--json]',
    '(needs an operator token: --token <jwt> or OPERATOR_TOKEN; --fix needs the operator role)',
  ].join('\n       '),
  run: (ctx) =>
    withOperatorClient(ctx, async (client) => {
      const { values } = parseOptions(ctx.args, {
        ...TOKEN_OPTION,
        fix: { type: 'boolean' },
        reason: { type: 'string' },
      });
      if (values.reason !== undefined && !values.fix)
        throw new UsageError('--reason goes with --fix');
      if (values.fix) {
        if (!values.reason) throw new UsageError('--fix needs --reason (it goes into the log)');
        const { fixes, after } = await client.fixReconciliation({ reason: values.reason });
        if (ctx.json) ctx.out(JSON.stringify({ fixes, after }));
        else {
          printFixes(ctx, fixes);
          printReport(ctx, after);
        }
        return;
      }
      const report = await client.reconciliation();
      if (ctx.json) ctx.out(JSON.stringify(report));
      else printReport(ctx, report);
    }),
};
