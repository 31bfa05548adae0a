import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FixResult, ReconciliationReport } from '@edge/saga';
import type { ServicesMock } from '@edge/services-mock';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ledger,
  type Orchestrator,
  orchestratorEnv,
  spawnOrchestrator,
  startMock,
  startWebhookReceiver,
  stockedItems,
  testPrefix,
  type WebhookReceiver,
  waitUntil,
} from './saga-harness';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.body.json()) as Record<string, unknown>;
  if (response.statusCode >= 300) throw new Error(`${url}: ${JSON.stringify(json)}`);
  return json;
}

describe('reconciliation of sagas with providers', () => {
  let mock: ServicesMock;
  let webhook: WebhookReceiver;
  let orchestrator: Orchestrator;
  const { prefix, cleanup } = testPrefix();

  /** `npm run -s cli -- reconcile ...` as an operator runs it. */
  async function cli(...args: string[]): Promise<string> {
    const { stdout } = await run(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['packages/cli/src/main.ts', 'reconcile', ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: process.env['HOME'] ?? '',
          SAGA_URL: orchestrator.url,
          OPERATOR_TOKEN: await orchestrator.operatorToken('operator'),
        },
      },
    );
    return stdout;
  }

  beforeAll(async () => {
    mock = await startMock();
    webhook = await startWebhookReceiver();
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, {
        ALERT_WEBHOOK_URL: webhook.url,
        SAGA_RECONCILE_INTERVAL_MS: '200',
      }),
    );
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await webhook?.close();
    await mock?.close();
    await cleanup();
  });

  it('finds a planted charge with no order and a leaked reservation, alerts, --fix repairs them, and a second run finds nothing', async () => {
    // A healthy order first: its charge, reservation and shipment are not drift.
    const items = await stockedItems(mock);
    const healthy = await orchestrator.client.placeOrder(
      { idempotencyKey: 'reconcile-healthy', items: items(3) },
      5_000,
      await orchestrator.asUser('u-4'),
    );
    expect(healthy.status).toBe('completed');

    // Drift planted behind the sagas' back, as a lost write or a manual script would leave it.
    const charge = await post(`${mock.urls.payment}/charges`, {
      idempotencyKey: 'planted-charge',
      orderId: 'ord-ghost',
      amountCents: 4_200,
      currency: 'USD',
    });
    const reservation = await post(`${mock.urls.inventory}/reservations`, {
      idempotencyKey: 'planted-reservation',
      orderId: 'ord-vanished',
      items: items(5),
    });

    const found = JSON.parse(await cli('--json')) as ReconciliationReport;
    expect(found.findings.map((f) => [f.kind, f.recordId]).sort()).toEqual(
      [
        ['charged_without_order', charge['id']],
        ['reservation_leaked', reservation['id']],
      ].sort(),
    );
    expect(found.counts).toMatchObject({ charged_without_order: 1, reservation_leaked: 1 });

    const alert = await waitUntil(
      'the drift alert',
      async () => webhook.received.find((r) => r.body['alert'] === 'saga_reconciliation_drift'),
      90_000,
    );
    // The leader's scheduled run may fall between the two plants: its alert then counts the
    // first finding only. What must hold is that drift pages; the count is the run's.
    expect(alert.body).toMatchObject({ state: 'firing' });
    expect(Number(alert.body['findings'])).toBeGreaterThanOrEqual(1);
    const metrics = await (await request(`${orchestrator.url}/metrics`)).body.text();
    expect(metrics).toMatch(
      /saga_reconciliation_findings\{[^}]*kind="reservation_leaked"[^}]*\} 1/,
    );

    const fixed = JSON.parse(await cli('--fix', '--reason', 'planted drift', '--json')) as {
      fixes: FixResult[];
      after: ReconciliationReport;
    };
    expect(fixed.fixes.map((f) => f.outcome)).toEqual(['fixed', 'fixed']);
    expect(fixed.after.findings).toEqual([]);

    const ghost = (await ledger(mock))['ord-ghost'];
    expect(ghost?.refunds).toHaveLength(1);
    expect(ghost?.refunds[0]?.amountCents).toBe(4_200);
    const released = await (
      await request(`${mock.urls.inventory}/reservations/${String(reservation['id'])}`)
    ).body.json();
    expect(released).toMatchObject({ status: 'released' });

    expect(await cli()).toMatch(/^0 finding\(s\) at /m);
    await waitUntil(
      'the drift alert to resolve',
      async () =>
        webhook.received.find(
          (r) => r.body['alert'] === 'saga_reconciliation_drift' && r.body['state'] === 'resolved',
        ),
      90_000,
    );
    // The healthy order was left alone.
    expect((await ledger(mock))[healthy.orderId ?? '']?.refunds).toEqual([]);
  });

  it('reconcile without a token is refused with a usage error naming how to get one', async () => {
    const failure = await run(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['packages/cli/src/main.ts', 'reconcile'],
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', SAGA_URL: orchestrator.url },
      },
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('an operator token is needed');
  });
});
