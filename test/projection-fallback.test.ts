import { startWebhookReceiver, type WebhookReceiver, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogueSurfaces, catalogueSurfaces } from './catalogue-surfaces';
import { startTestStack, type TestStack } from './harness';

/** The shipped defaults this test holds the product to (nothing below is overridden). */
const FALLBACK_MS = 5_000; // READ_MODEL_MAX_LAG_MS
const ALERT_S = 30; // PROJECTION_LAG_THRESHOLD_MS

describe('projection down, with default settings', () => {
  let stack: TestStack;
  let surfaces: CatalogueSurfaces;
  let alerts: WebhookReceiver;

  beforeAll(async () => {
    alerts = await startWebhookReceiver();
    stack = await startTestStack({ env: { ALERT_WEBHOOK_URL: alerts.url } });
    surfaces = await catalogueSurfaces(stack);
    await waitUntil(
      'read model fresh on every BFF',
      () => surfaces.readModelFresh(FALLBACK_MS),
      30_000,
    );
  });
  afterAll(async () => {
    await stack?.stop();
    await alerts?.close();
  });

  const projectionAlerts = (state: string) =>
    alerts.received
      .map((r) => r.body)
      .filter((a) => a['alert'] === 'projection_lag' && a['state'] === state);

  /**
   * Change the price right after the fault, then read every surface until all show it. A read
   * that started `d` ms after the change and still answered the old price proves the BFF served
   * a read model at least `d` ms behind (its last heartbeat predates the fault), so the largest
   * such `d` bounds what a customer saw; it must stay within the fallback threshold. The paging
   * alert must still fire, later, at its own threshold.
   */
  async function priceAgeBoundedWhileDown(fault: () => Promise<void>) {
    const before = await surfaces.prices();
    const firingBefore = projectionAlerts('firing').length;
    await fault();
    const next = before.web + 7;
    await surfaces.setPrice(next);
    const changedAt = performance.now();
    let oldestStaleRead = 0;
    await waitUntil(
      'the new price on every surface',
      async () => {
        const startedAfter = performance.now() - changedAt;
        const now = await surfaces.prices();
        if (Object.values(now).every((p) => p === next)) return true;
        oldestStaleRead = Math.max(oldestStaleRead, startedAfter);
        return undefined;
      },
      60_000,
    );
    console.info(`old price served until ${oldestStaleRead.toFixed(0)} ms after the change`);
    expect(oldestStaleRead).toBeLessThanOrEqual(FALLBACK_MS);
    // Falling back is not paging: the alert had not fired when every surface was right again.
    expect(projectionAlerts('firing').length).toBe(firingBefore);
    const alert = await waitUntil(
      'the projection lag alert',
      async () =>
        projectionAlerts('firing').length > firingBefore
          ? projectionAlerts('firing').at(-1)
          : undefined,
      90_000,
    );
    expect(alert['thresholdSeconds']).toBe(ALERT_S);
    expect(Number(alert['lagSeconds'])).toBeGreaterThan(ALERT_S);
    expect(await surfaces.prices()).toEqual({ web: next, mobile: next, partner: next });
  }

  /** Resolved alerts counted before the fault: the alert may resolve while the restart runs. */
  async function recovered(resolvedBefore: number) {
    await waitUntil('read model fresh again', () => surfaces.readModelFresh(FALLBACK_MS), 60_000);
    await waitUntil(
      'alert resolved',
      async () => (projectionAlerts('resolved').length > resolvedBefore ? true : undefined),
      30_000,
    );
  }

  it('projection killed: no surface shows a price older than the fallback threshold, and the alert pages at its own', async () => {
    const resolvedBefore = projectionAlerts('resolved').length;
    await priceAgeBoundedWhileDown(() => stack.kill('projection'));
    await stack.restart('projection');
    await recovered(resolvedBefore);
  });

  it('projection hung (SIGSTOP): no surface shows a price older than the fallback threshold, and the alert pages at its own', async () => {
    const projection = stack.processes.get('projection');
    const resolvedBefore = projectionAlerts('resolved').length;
    try {
      await priceAgeBoundedWhileDown(async () => {
        projection?.child.kill('SIGSTOP');
      });
    } finally {
      projection?.child.kill('SIGCONT');
    }
    await recovered(resolvedBefore);
  });
});
