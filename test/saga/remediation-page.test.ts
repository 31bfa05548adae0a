import type { ServicesMock } from '@edge/services-mock';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  injectFault,
  ledger,
  type Orchestrator,
  orchestratorEnv,
  spawnOrchestrator,
  startMock,
  stockedItems,
  testPrefix,
  waitUntil,
} from './saga-harness';

const CHROMIUM = '/usr/bin/chromium';
const ORDERS = 4;

describe('remediation page in headless Chromium', () => {
  let mock: ServicesMock;
  let orchestrator: Orchestrator;
  let browser: Browser;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, {
        // A short horizon fills the DLQ quickly; the page, not the default, is under test.
        SAGA_COMPENSATION_HORIZON_MS: '800',
      }),
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await orchestrator?.stop();
    await mock?.close();
    await cleanup();
  });

  it('replay all from the page refunds every dead-lettered saga exactly once', async () => {
    const items = await stockedItems(mock);
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: '429', retryAfterS: 0 });
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    const refs = await Promise.all(
      Array.from({ length: ORDERS }, (_, i) =>
        orchestrator.client.placeOrder({
          idempotencyKey: `page-${i}`,
          userId: 'u-5',
          items: items(i + 300),
        }),
      ),
    );
    await waitUntil(
      'every saga in the DLQ',
      async () =>
        (await orchestrator.client.list('dead_lettered')).length === ORDERS ? true : undefined,
      20_000,
    );
    await clearFaults(mock.urls.payment);
    // The outage left the payment breaker open: a replay now must just work, since calls the
    // breaker refuses are deferred, not attempts, and never dead-letter a compensation.
    const page = await browser.newPage();
    await page.goto(`${orchestrator.url}/remediation`);
    expect(await page.locator('table[data-list="dead_lettered"] tr[data-saga-id]').count()).toBe(
      ORDERS,
    );
    expect(await page.locator('table.history').first().textContent()).toContain('refund_payment');
    await page.fill('#actor', 'oncall@example.com');
    await page.click('button[data-action="replay-all"]');
    await page.waitForSelector('[data-empty="dead_lettered"]', { timeout: 15_000 });

    const settled = await waitUntil(
      'every replayed saga to compensate',
      async () => {
        const views = await Promise.all(refs.map((r) => orchestrator.client.get(r.id)));
        return views.every((v) => v.status === 'compensated') ? views : undefined;
      },
      20_000,
    );
    const orders = await ledger(mock);
    for (const saga of settled) {
      expect(orders[saga.orderId ?? '']?.refunds).toHaveLength(1);
      expect(
        saga.history.some((e) => e.type === 'replayed' && e.actor === 'oncall@example.com'),
      ).toBe(true);
    }
  }, 60_000);
});
