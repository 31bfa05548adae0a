/**
 * The seed incident remediated from the operator page in headless Chromium, with sign-in on:
 * refunds dead-letter, the DLQ alert fires, an operator signs in, filters, reads a timeline,
 * replays one after editing its refund (edit before replay), resolves one that still owes its
 * refund only once the money is acknowledged as kept,
 * bulk-replays the rest after a confirmation (the page reports what the API replayed, not what
 * it asked for), and every replayed customer is refunded exactly once (the edited one for the
 * edited amount). A filter of settled sagas offers no bulk replay. A page on another origin
 * cannot act.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServicesMock } from '@edge/services-mock';
import { type Browser, chromium, type Page } from 'playwright-core';
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

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/**
 * Screenshots of the main views for docs/operator-page/, refreshed only when asked
 * (`UPDATE_DOCS_SCREENSHOTS=1 npx vitest run test/saga/remediation-page.test.ts`), so an ordinary
 * test run leaves the working tree clean; otherwise they go to a temporary directory.
 */
const DOCS =
  process.env['UPDATE_DOCS_SCREENSHOTS'] === '1'
    ? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'operator-page')
    : mkdtempSync(join(tmpdir(), 'operator-page-'));
/**
 * u-5 orders are bulk-replayed, but one is resolved behind the page's back first; of u-6's two,
 * one is replayed alone and one resolved by hand.
 */
const USERS = ['u-5', 'u-5', 'u-5', 'u-5', 'u-6', 'u-6'];

describe('operator page in headless Chromium', () => {
  let mock: ServicesMock;
  let orchestrator: Orchestrator;
  let alerts: WebhookReceiver;
  let browser: Browser;
  let evil: Server | undefined;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    alerts = await startWebhookReceiver();
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, {
        // A short horizon fills the DLQ quickly; the page, not the default, is under test.
        SAGA_COMPENSATION_HORIZON_MS: '800',
        ALERT_WEBHOOK_URL: alerts.url,
        DLQ_ALERT_INTERVAL_MS: '100',
      }),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    mkdirSync(DOCS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (evil ? evil.close(resolve) : resolve(undefined)));
    await orchestrator?.stop();
    await alerts?.close();
    await mock?.close();
    await cleanup();
  });

  /** Requests the orchestrator answered on a route with a status, from its own metrics. */
  async function answered(route: string, status: number): Promise<number> {
    const text = await (await fetch(`${orchestrator.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_requests_total{') &&
          l.includes(`route="${route}"`) &&
          l.includes(`status="${status}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  async function confirm(page: Page, reason: string, reference?: string): Promise<void> {
    await page.waitForSelector('dialog#confirm[open]');
    await page.fill('#confirm-reason', reason);
    if (reference !== undefined) await page.fill('#confirm-reference', reference);
    await page.click('#confirm-ok');
    await page.waitForSelector('dialog#confirm', { state: 'hidden' });
  }

  const rowStatus = (page: Page, id: string) =>
    page.locator(`tr[data-saga-id="${id}"] .status`).textContent();

  it('DLQ -> alert -> sign in, filter, timeline, replay, resolve, bulk replay -> refunded once', async () => {
    const items = await stockedItems(mock);
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: '429', retryAfterS: 0 });
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    const refs = await Promise.all(
      USERS.map(async (user, i) =>
        orchestrator.client.placeOrder(
          { idempotencyKey: `page-${i}`, items: items(i + 300) },
          undefined,
          await orchestrator.asUser(user),
        ),
      ),
    );
    const [bulk1, bulk2, bulk3, gone, single, manual] = refs.map((r) => r.id) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    await waitUntil(
      'every saga in the DLQ',
      async () =>
        (await orchestrator.client.list('dead_lettered')).length === USERS.length
          ? true
          : undefined,
      20_000,
    );
    await waitUntil(
      'the DLQ alert',
      async () => (alerts.received.some((a) => a.body['state'] === 'firing') ? true : undefined),
      10_000,
    );
    await clearFaults(mock.urls.payment);
    // The outage left the payment breaker open: a replay now must just work, since calls the
    // breaker refuses are deferred, not attempts, and never dead-letter a compensation.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();

    // Sign in: the page answers 401 with the way to get a token.
    const signInAnswer = await page.goto(`${orchestrator.url}/remediation`);
    expect(signInAnswer?.status()).toBe(401);
    await page.screenshot({ path: join(DOCS, 'sign-in.png') });
    await page.fill('#token', await orchestrator.operatorToken('operator'));
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector('#subject');
    expect(await page.textContent('#subject')).toBe(TEST_OPERATOR);
    expect(await page.textContent('[data-count="dead_lettered"] strong')).toBe(
      String(USERS.length),
    );
    expect(await page.locator('tr[data-saga-id]').count()).toBe(USERS.length);
    expect(await page.textContent(`tr[data-saga-id="${bulk1}"] .amount`)).toMatch(/\d+\.\d\d \w+/);
    await page.screenshot({ path: join(DOCS, 'sagas.png'), fullPage: true });

    // Filter by user: only u-6's two sagas.
    await page.fill('input[name="userId"]', 'u-6');
    await Promise.all([page.waitForURL(/userId=u-6/), page.click('#apply-filters')]);
    expect(await page.locator('tr[data-saga-id]').count()).toBe(2);

    // The timeline says what the provider answered, attempt by attempt.
    await Promise.all([
      page.waitForURL(/\/remediation\/sagas\//),
      page.click(`tr[data-saga-id="${single}"] a.timeline-link`),
    ]);
    const timeline = await page.textContent('table.timeline');
    expect(timeline).toContain('payment answered 429');
    expect(timeline).toContain('refund_payment');
    expect(await page.locator('tr.event-compensation_failed').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(DOCS, 'timeline.png'), fullPage: true });
    await page.goBack();

    // Replay one with a reason, editing its refund first (the customer kept part of the order);
    // a confirmation without a reason, or with an amount above the charge, is refused on the page.
    const singleOrder = (await orchestrator.client.get(single)).orderId ?? '';
    const charged = (await ledger(mock))[singleOrder]?.charges[0]?.amountCents ?? 0;
    const edited = charged - 199;
    await page.click(`tr[data-saga-id="${single}"] button[data-action="replay"]`);
    await page.waitForSelector('dialog#confirm[open]');
    expect(await page.textContent('#confirm-title')).toContain('Replay 1 saga');
    expect(await page.textContent('#confirm-title')).toContain('gets a new horizon');
    await page.click('#confirm-ok');
    expect(await page.textContent('#confirm-error')).toContain('reason is required');
    await page.check('#edit-toggle');
    expect(await page.textContent('#edit-step')).toBe('Step refund_payment');
    expect(await page.inputValue('[data-field="amountCents"]')).toBe(String(charged));
    expect(await page.getAttribute('[data-field="currency"]', 'readonly')).not.toBeNull();
    expect(await page.getAttribute('[data-field="chargeId"]', 'readonly')).not.toBeNull();
    await page.fill('#confirm-reason', 'payment provider recovered; customer kept one item');
    await page.fill('[data-field="amountCents"]', String(charged + 1));
    await page.click('#confirm-ok');
    expect(await page.textContent('#confirm-error')).toContain('whole number of cents');
    await page.fill('[data-field="amountCents"]', String(edited));
    await page.fill('[data-field="note"]', 'kept one item');
    const diff = await page.locator('#edit-diff li').allTextContents();
    expect(diff[0]).toMatch(new RegExp(`^amountCents: ${charged} \\(.+\\) -> ${edited} \\(.+\\)$`));
    expect(diff[1]).toBe('note: (none) -> "kept one item"');
    await page.screenshot({ path: join(DOCS, 'replay-edit.png') });
    await page.click('#confirm-ok');
    await page.waitForFunction(
      (id) =>
        document.querySelector(`tr[data-saga-id="${id}"] .status`)?.textContent === 'replayed',
      single,
    );
    expect(await page.textContent('#status')).toContain(`amountCents: ${charged} -> ${edited}`);

    // Resolve one that still owes its refund: the row and the dialog say so, and the resolve
    // is refused while the provider holds the money, until the operator ticks that it is kept.
    const manualRow = `tr[data-saga-id="${manual}"]`;
    const owes = await page.textContent(`${manualRow} .owes-refund`);
    expect(owes).toMatch(/^owes a refund of \d+\.\d\d \w+$/);
    await page.click(`${manualRow} button[data-action="resolve"]`);
    expect(await page.textContent('#confirm-title')).toContain(owes?.replace('owes', 'It owes'));
    expect(await page.isChecked('#keep-charge')).toBe(false);
    await confirm(page, 'customer keeps the goods, agreed with finance', 'RF-2024-0042');
    await page.waitForFunction(() =>
      document.getElementById('status')?.textContent?.startsWith('Failed: '),
    );
    expect(await page.textContent('#status')).toContain('still owes a refund');
    expect(await rowStatus(page, manual)).not.toBe('resolved');
    await page.click(`${manualRow} button[data-action="resolve"]`);
    await page.check('#keep-charge');
    await confirm(page, 'customer keeps the goods, agreed with finance', 'RF-2024-0042');
    await page.waitForFunction(
      (id) =>
        document.querySelector(`tr[data-saga-id="${id}"] .status`)?.textContent === 'resolved',
      manual,
    );
    expect(await page.textContent('#status')).toMatch(/keeping \d+ cents of the charge/);

    // A page on another origin, with the operator's session in this browser, tries to act.
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><body><form id="f" method="post" action="${orchestrator.url}/sagas/${bulk1}/resolve" enctype="text/plain">
<input name='{"reason":"x","reference":"y","pad":"' value='"}'></form>
<script>
fetch(${JSON.stringify(`${orchestrator.url}/sagas/${bulk1}/resolve`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ reason: 'x', reference: 'y' }) })
  .finally(() => document.getElementById('f').submit());
</script></body>`);
    });
    await new Promise<void>((resolve) => evil?.listen(0, '127.0.0.1', resolve));
    const evilPort = (evil.address() as AddressInfo).port;
    const refusedBefore = await answered('POST /sagas/:id/resolve', 415);
    const attacker = await context.newPage();
    await attacker.goto(`http://localhost:${evilPort}/`);
    await waitUntil(
      'both cross-site POSTs to be refused',
      async () =>
        (await answered('POST /sagas/:id/resolve', 415)) >= refusedBefore + 2 ? true : undefined,
      10_000,
    );
    await attacker.close();
    expect((await orchestrator.client.get(bulk1)).status).toBe('dead_lettered');

    // Bulk replay of what needs attention, after a confirmation naming count and total. Another
    // operator resolves one meanwhile: the page says what the API replayed, and why not that one.
    await page.goto(`${orchestrator.url}/remediation`);
    expect(await page.locator('tr[data-saga-id]').count()).toBe(4);
    await page.click('#bulk-replay');
    await page.waitForSelector('dialog#confirm[open]');
    expect(await page.textContent('#confirm-title')).toMatch(/Replay 4 sagas, total \d+\.\d\d \w+/);
    await page.screenshot({ path: join(DOCS, 'bulk-confirm.png') });
    const goneCharge = (await ledger(mock))[(await orchestrator.client.get(gone)).orderId ?? '']
      ?.charges[0]?.id;
    const byHand = await fetch(`${mock.urls.payment}/refunds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: 'dashboard-gone', chargeId: goneCharge }),
    });
    expect(byHand.status).toBe(201);
    await orchestrator.client.resolve(gone, { reason: 'refunded by hand', reference: 'RF-7' });
    await confirm(page, 'payment provider recovered, replaying the rest');
    await page.waitForFunction(
      () => document.getElementById('progress-text')?.textContent === 'Sent 4 of 4, replayed 3',
    );
    for (const id of [bulk1, bulk2, bulk3]) expect(await rowStatus(page, id)).toBe('replayed');
    expect(await rowStatus(page, gone)).toBe('not replayed');
    expect(await page.textContent('#status')).toBe(
      `Replayed 3 of 4 sagas. 1 not replayed: saga ${gone} is resolved, not dead-lettered, stuck or parked.`,
    );

    const replayed = [bulk1, bulk2, bulk3, single];
    const settled = await waitUntil(
      'every replayed saga to compensate',
      async () => {
        const views = await Promise.all(replayed.map((id) => orchestrator.client.get(id)));
        return views.every((v) => v.status === 'compensated') ? views : undefined;
      },
      20_000,
    );
    const orders = await ledger(mock);
    // The edited refund went out once, for the edited amount, with the note.
    expect(orders[singleOrder]?.refunds).toEqual([
      expect.objectContaining({ amountCents: edited, note: 'kept one item' }),
    ]);
    for (const saga of settled) {
      expect(orders[saga.orderId ?? '']?.refunds).toHaveLength(1);
      expect(saga.history.some((e) => e.type === 'replayed' && e.actor === TEST_OPERATOR)).toBe(
        true,
      );
    }
    const resolved = await orchestrator.client.get(manual);
    expect(resolved.status).toBe('resolved');
    expect(resolved.reason).toContain('RF-2024-0042');

    // Resolved sagas stay findable under their filter, and the audit log names the subject.
    // Settled sagas match their filters, but no replay accepts them: no bulk replay is offered.
    await page.goto(`${orchestrator.url}/remediation?status=resolved`);
    expect(await page.locator(`tr[data-saga-id="${manual}"]`).count()).toBe(1);
    expect(await page.locator('#bulk-replay').count()).toBe(0);
    await page.goto(`${orchestrator.url}/remediation?status=compensated`);
    expect(await page.locator('tr[data-saga-id]').count()).toBe(replayed.length);
    expect(await page.locator('#bulk-replay').count()).toBe(0);
    await page.goto(`${orchestrator.url}/remediation/audit`);
    const audit = await page.locator('table.audit tbody tr').allTextContents();
    expect(
      audit.filter((row) => row.includes(TEST_OPERATOR) && row.includes('replayed')),
    ).toHaveLength(4);
    expect(audit.some((row) => row.includes('resolved') && row.includes('RF-2024-0042'))).toBe(
      true,
    );
    expect(
      audit.some(
        (row) => row.includes(single) && row.includes(`amountCents: ${charged} -> ${edited}`),
      ),
    ).toBe(true);
    await page.screenshot({ path: join(DOCS, 'audit.png'), fullPage: true });

    // A refund parked behind a long Retry-After keeps compensating without dead-lettering: the
    // compensating count opens those oldest compensation first, saying how long each has waited.
    await injectFault(mock.urls.payment, {
      route: 'POST /refunds',
      mode: '429',
      retryAfterS: 3600,
    });
    const waiting = await orchestrator.client.placeOrder(
      { idempotencyKey: 'page-waiting', items: items(320) },
      undefined,
      await orchestrator.asUser('u-7'),
    );
    const since = await waitUntil(
      'the refund to wait, compensating',
      async () => {
        const view = await orchestrator.client.get(waiting.id);
        return view.status === 'compensating'
          ? view.history.find((e) => e.type === 'compensation_required')?.at
          : undefined;
      },
      20_000,
    );
    await page.goto(`${orchestrator.url}/remediation`);
    await Promise.all([
      page.waitForURL(/status=compensating&sort=oldest_compensation/),
      page.click('[data-count="compensating"]'),
    ]);
    expect(
      await page.getAttribute(
        `tr[data-saga-id="${waiting.id}"] [data-compensating-since]`,
        'data-compensating-since',
      ),
    ).toBe(since);

    // Sign out: back to the sign-in page, and the session no longer acts.
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in');
    expect((await context.cookies()).some((c) => c.name === 'saga_session')).toBe(false);
    await context.close();
  });
});
