/**
 * Two orchestrators on one store, shipped defaults: a reconciliation run on one and a fix on the
 * other. What the page shows, what `saga_reconciliation_findings` exports and the drift alert
 * must follow the last report whichever pod a request or a scrape reaches (a pod's own last run
 * once kept its gauge above 0 after the drift was fixed elsewhere, and the alert stuck).
 */
import type { ServicesMock } from '@edge/services-mock';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultsEnv,
  type Orchestrator,
  spawnOrchestrator,
  startMock,
  startWebhookReceiver,
  testPrefix,
  type WebhookReceiver,
  waitUntil,
} from './saga-harness';

/** `saga_reconciliation_findings{kind}` on one orchestrator, undefined when not exported. */
async function findings(o: Orchestrator, kind: string): Promise<number | undefined> {
  const text = await (await request(`${o.url}/metrics`)).body.text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('saga_reconciliation_findings{') && l.includes(`kind="${kind}"`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** The findings section of one orchestrator's operator page. */
async function pageFindings(o: Orchestrator): Promise<string> {
  const response = await request(`${o.url}/remediation`, {
    headers: { authorization: `Bearer ${await o.operatorToken('viewer')}` },
  });
  const html = await response.body.text();
  return html.split('<h2>Reconciliation findings')[1]?.split('<script')[0] ?? '';
}

const drift = (webhook: WebhookReceiver, state: string) =>
  webhook.received.filter(
    (r) => r.body['alert'] === 'saga_reconciliation_drift' && r.body['state'] === state,
  );

describe('one reconciliation report for every orchestrator', () => {
  let mock: ServicesMock;
  let webhook: WebhookReceiver;
  const orchestrators: Orchestrator[] = [];
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    webhook = await startWebhookReceiver();
    const env = defaultsEnv(mock, prefix, { ALERT_WEBHOOK_URL: webhook.url });
    orchestrators.push(await spawnOrchestrator(env), await spawnOrchestrator(env));
  });

  afterAll(async () => {
    for (const o of orchestrators) await o.stop();
    await webhook?.close();
    await mock?.close();
    await cleanup();
  });

  it('a run on one pod shows on both; a fix on the other clears both, and the alert resolves', async () => {
    const [first, second] = orchestrators as [Orchestrator, Orchestrator];
    const planted = await request(`${mock.urls.payment}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: 'shared-report-charge',
        orderId: 'ord-shared-ghost',
        amountCents: 3_100,
        currency: 'USD',
      }),
    });
    expect(planted.statusCode).toBeLessThan(300);
    await planted.body.dump();

    const report = await second.client.reconciliation();
    expect(report.counts).toMatchObject({ charged_without_order: 1 });
    for (const o of orchestrators) {
      await waitUntil(
        'every pod to export the finding',
        async () => ((await findings(o, 'charged_without_order')) === 1 ? true : undefined),
        10_000,
      );
      expect(await pageFindings(o)).toContain('ord-shared-ghost');
    }
    await waitUntil('the drift alert', async () => drift(webhook, 'firing')[0], 10_000);

    const fixed = await first.client.fixReconciliation({ reason: 'planted drift' });
    expect(fixed.after.findings).toEqual([]);
    for (const o of orchestrators) {
      await waitUntil(
        'every pod to export the fixed report',
        async () => ((await findings(o, 'charged_without_order')) === 0 ? true : undefined),
        10_000,
      );
      expect(await pageFindings(o)).toContain('No drift between sagas and providers');
    }
    await waitUntil('the alert to resolve', async () => drift(webhook, 'resolved')[0], 10_000);
    // Paged once for the drift, by the leader alone.
    expect(drift(webhook, 'firing')).toHaveLength(1);
  });
});
