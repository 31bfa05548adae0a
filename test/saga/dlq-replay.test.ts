import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  injectFault,
  ledger,
  type Orchestrator,
  orchestratorEnv,
  spawnOrchestrator,
  startMock,
  startWebhookReceiver,
  stockedItems,
  TEST_OPERATOR,
  testPrefix,
  type WebhookReceiver,
  waitUntil,
} from './saga-harness';

const ORDERS = 20;
const THRESHOLD = 5;

describe('refund outage longer than the compensation horizon', () => {
  let mock: ServicesMock;
  let items: Awaited<ReturnType<typeof stockedItems>>;
  let orchestrator: Orchestrator;
  let webhook: WebhookReceiver;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    items = await stockedItems(mock);
    webhook = await startWebhookReceiver();
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, {
        // The page-sized horizon is the subject here, not a default being proven.
        SAGA_COMPENSATION_HORIZON_MS: '1500',
        ALERT_WEBHOOK_URL: webhook.url,
        DLQ_ALERT_THRESHOLD: String(THRESHOLD),
      }),
    );
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await webhook?.close();
    await mock?.close();
    await cleanup();
  });

  // The hang guard sits above the test's two state waits of up to 90 s each: beside two busy
  // loops the whole test once took more than 90 s.
  it('dead-letters every affected saga, alerts the webhook within 5 s, and replay refunds each exactly once', async () => {
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: '429', retryAfterS: 1 });
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    const refs = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) =>
        orchestrator.client.placeOrder(
          { idempotencyKey: `dlq-${i}`, items: items(i + 50) },
          undefined,
          await orchestrator.asUser('u-7'),
        ),
      ),
    );
    // Every saga settles: charged ones dead-letter on the refund; one whose charge pacing held
    // off past the forward horizon (a loaded box) is undone uncharged, which is no money lost.
    const views = await waitUntil(
      'every saga dead-lettered or compensated',
      async () => {
        const all = await Promise.all(refs.map((r) => orchestrator.client.get(r.id)));
        return all.every((v) => v.status === 'dead_lettered' || v.status === 'compensated')
          ? all
          : undefined;
      },
      90_000,
      50,
      // Which sagas are not settled, where they stand and what they did last.
      async () => {
        const all = await Promise.all(refs.map((r) => orchestrator.client.get(r.id)));
        return JSON.stringify(
          all
            .filter((v) => v.status !== 'dead_lettered' && v.status !== 'compensated')
            .map((v) => ({
              id: v.id,
              status: v.status,
              last: v.history.slice(-4).map((e) => ('step' in e ? `${e.type}:${e.step}` : e.type)),
            })),
        );
      },
    );
    const dead = views.filter((v) => v.status === 'dead_lettered');
    const uncharged = views.filter((v) => v.status === 'compensated');
    expect(dead.length).toBeGreaterThanOrEqual(THRESHOLD);
    expect(
      new Set(await orchestrator.client.list('dead_lettered').then((l) => l.map((v) => v.id))),
    ).toEqual(new Set(dead.map((v) => v.id)));
    const atOutage = await ledger(mock);
    for (const saga of uncharged) {
      expect(atOutage[saga.orderId ?? '']?.charges ?? []).toHaveLength(0);
      expect(
        saga.history.some((e) => e.type === 'compensation_started' && e.step === 'refund_payment'),
      ).toBe(false);
    }
    // Pacing: after a 429 every worker holds its refunds until Retry-After, so a held refund is
    // not sent again (and not an attempt); each saga still reached its refund at least once.
    for (const saga of dead) {
      expect(saga.reason).toMatch(/refund_payment/);
      expect(
        saga.history.filter((e) => e.type === 'compensation_started').length,
      ).toBeGreaterThanOrEqual(1);
    }
    // The threshold was crossed when the THRESHOLD-th saga was dead-lettered.
    const deadAt = dead
      .map((s) => Date.parse(s.history.find((e) => e.type === 'dead_lettered')?.at ?? ''))
      .sort((a, b) => a - b);
    const crossedAt = deadAt[THRESHOLD - 1] ?? Number.NaN;
    const alert = await waitUntil('the alert webhook', async () => webhook.received[0], 6_000, 50);
    expect(alert.body['state']).toBe('firing');
    expect(alert.body['depth']).toBeGreaterThanOrEqual(THRESHOLD);
    expect(alert.at - crossedAt).toBeLessThan(5_000);
    expect(
      orchestrator.lines.some((l) => l.includes('"level":"error"') && l.includes('saga DLQ alert')),
    ).toBe(true);

    const before = await ledger(mock);
    for (const saga of dead) expect(before[saga.orderId ?? '']?.refunds ?? []).toHaveLength(0);

    // A bulk replay naming one saga twice is refused before anything is replayed: each copy
    // would replay it again (an audit record and provider calls each) while the provider fails.
    const first = dead[0]?.id ?? '';
    await expect(
      orchestrator.client.replayAll({ ids: [first, first], reason: 'twice' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    const untouched = await orchestrator.client.get(first);
    expect(untouched.status).toBe('dead_lettered');
    expect(untouched.history.filter((e) => e.type === 'replayed')).toEqual([]);

    await clearFaults(mock.urls.payment);
    const { replayed, skipped, remaining } = await orchestrator.client.replayAll({
      reason: 'payment provider recovered',
    });
    expect(replayed).toHaveLength(dead.length);
    expect(skipped).toEqual([]);
    expect(remaining).toBe(0);
    const settled = await waitUntil(
      'every replayed saga to compensate',
      async () => {
        const replayedViews = await Promise.all(dead.map((d) => orchestrator.client.get(d.id)));
        return replayedViews.every((v) => v.status === 'compensated') ? replayedViews : undefined;
      },
      90_000,
    );
    // A second replay of an already compensated saga is refused, not re-run.
    await expect(
      orchestrator.client.replay(dead[0]?.id ?? '', { reason: 'again' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
    // So is a bulk replay of it, which says so rather than counting it as replayed; an id of no
    // saga is skipped the same way instead of failing a batch already partly done.
    const id = dead[0]?.id ?? '';
    expect(await orchestrator.client.replayAll({ ids: [id, 'sg-gone'], reason: 'again' })).toEqual({
      replayed: [],
      skipped: [
        { id, reason: `saga ${id} is compensated, not dead-lettered, stuck or parked` },
        { id: 'sg-gone', reason: 'no saga sg-gone' },
      ],
      remaining: 0,
    });
    const after = await ledger(mock);
    for (const saga of settled) {
      const entry = after[saga.orderId ?? ''];
      expect(entry?.charges).toHaveLength(1);
      expect(entry?.refunds).toHaveLength(1);
      expect(entry?.refunds[0]?.amountCents).toBe(entry?.charges[0]?.amountCents);
      expect(saga.history.some((e) => e.type === 'replayed' && e.actor === TEST_OPERATOR)).toBe(
        true,
      );
    }
    expect(await orchestrator.client.list('dead_lettered')).toHaveLength(0);
  }, 240_000);
});
