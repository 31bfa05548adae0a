import { DEFAULT_COMPENSATION_AGE_ALERT_MS, loadSagaConfig } from '@edge/saga';
import type { ServicesMock } from '@edge/services-mock';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  injectFault,
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

/** A gauge's value on one orchestrator's /metrics, or undefined when not exported yet. */
async function gauge(orchestrator: Orchestrator, name: string): Promise<number | undefined> {
  const response = await request(`${orchestrator.url}/metrics`);
  const text = await response.body.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('alerts across several orchestrators', () => {
  let mock: ServicesMock;
  let webhook: WebhookReceiver;
  const orchestrators: Orchestrator[] = [];
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    webhook = await startWebhookReceiver();
  });

  afterAll(async () => {
    for (const o of orchestrators) await o.stop();
    await webhook?.close();
    await mock?.close();
    await cleanup();
  });

  it('the compensation-age alert defaults to 5 minutes', () => {
    expect(DEFAULT_COMPENSATION_AGE_ALERT_MS).toBe(5 * 60_000);
    expect(loadSagaConfig({}).alerts.compensationAgeMs).toBe(5 * 60_000);
  });

  it('a refund stuck behind a failing provider pages once from two orchestrators, before anything is dead-lettered; the paging one lost, the next leader resolves the page without paging again', async () => {
    const env = orchestratorEnv(mock, prefix, {
      ALERT_WEBHOOK_URL: webhook.url,
      // A threshold the test can reach; the 5-minute default is checked above.
      COMPENSATION_AGE_ALERT_MS: '1000',
      DLQ_ALERT_INTERVAL_MS: '100',
      // No repeat notification inside this test: any second one would be a duplicate.
      DLQ_ALERT_REPEAT_MS: '3600000',
    });
    orchestrators.push(await spawnOrchestrator(env), await spawnOrchestrator(env));
    const items = await stockedItems(mock);
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: 'error', status: 503 });

    const [first, second] = orchestrators as [Orchestrator, Orchestrator];
    const ref = await first.client.placeOrder(
      { idempotencyKey: 'alert-once-1', items: items(7) },
      undefined,
      await first.asUser('u-3'),
    );
    await waitUntil(
      'the compensation alert',
      async () =>
        webhook.received.some((r) => r.body['alert'] === 'saga_compensation_pending_too_long')
          ? true
          : undefined,
      60_000,
    );
    // Both processes keep evaluating well past the threshold: a duplicate would have come now.
    await waitUntil(
      'both orchestrators to measure the compensation 3 s old',
      async () => {
        const ages = await Promise.all(
          [first, second].map((o) => gauge(o, 'saga_compensation_oldest_age_seconds')),
        );
        return ages.every((age) => age !== undefined && age >= 3) ? true : undefined;
      },
      60_000,
    );

    const pages = webhook.received.filter(
      (r) => r.body['alert'] === 'saga_compensation_pending_too_long',
    );
    expect(pages).toHaveLength(1);
    expect(pages[0]?.body).toMatchObject({ state: 'firing', pending: 1, service: 'saga' });
    expect((await first.client.get(ref.id)).status).toBe('compensating');
    expect(webhook.received.filter((r) => r.body['alert'] === 'saga_dlq_depth')).toEqual([]);

    // The orchestrator that paged is lost, and the refund provider recovers. The next leader
    // must resolve that page (whether the refund lands before or after it takes over), and
    // must not page a second time while the refund is still owed.
    const pager = [first, second].find((o) =>
      o.lines.some((line) => line.includes('saga compensation pending too long')),
    ) as Orchestrator;
    const survivor = pager === first ? second : first;
    await pager.kill9();
    await clearFaults(mock.urls.payment);
    await waitUntil(
      'the refund made by the survivor',
      async () => ((await survivor.client.get(ref.id)).status === 'compensated' ? true : undefined),
      90_000,
    );
    await waitUntil(
      'the page resolved by the next leader',
      async () =>
        webhook.received.some(
          (r) =>
            r.body['alert'] === 'saga_compensation_pending_too_long' &&
            r.body['state'] === 'resolved',
        )
          ? true
          : undefined,
      30_000,
    );
    expect(
      webhook.received
        .filter((r) => r.body['alert'] === 'saga_compensation_pending_too_long')
        .map((r) => r.body['state']),
    ).toEqual(['firing', 'resolved']);
  });
});
