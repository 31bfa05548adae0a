/**
 * Resolving a saga whose refund dead-lettered, on real processes with the shipped defaults: the
 * orchestrator looks the charge up at services-mock first. Money still held refuses the resolve
 * (409 refund_outstanding) unless the operator acknowledges keeping it (`--keep-charge`), which
 * the resolve records so reconciliation accounts for it; a charge refunded by hand in the
 * provider's dashboard resolves without it; a lookup that fails refuses (refund_unverified). The
 * dead-lettered saga still holding money is reported by reconciliation, with no fix.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SagaClientError } from '@edge/saga-client';
import type { ServicesMock } from '@edge/services-mock';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearFaults,
  defaultsEnv,
  injectFault,
  ledger,
  type Orchestrator,
  spawnOrchestrator,
  startMock,
  stockedItems,
  testPrefix,
  waitUntil,
} from './saga-harness';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

describe('resolve of a saga that still owes a refund', () => {
  let mock: ServicesMock;
  let orchestrator: Orchestrator;
  const { prefix, cleanup } = testPrefix();

  beforeAll(async () => {
    mock = await startMock();
    orchestrator = await spawnOrchestrator(defaultsEnv(mock, prefix));
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await mock?.close();
    await cleanup();
  });

  /** `npm run -s cli -- sagas ...` as an operator runs it. */
  async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['packages/cli/src/main.ts', 'sagas', ...args],
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
  }

  async function refusal(promise: Promise<unknown>): Promise<SagaClientError> {
    const error = await promise.then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(error instanceof SagaClientError)) throw new Error(`not refused: ${String(error)}`);
    return error;
  }

  async function resolveRaw(id: string, body: unknown) {
    const response = await request(`${orchestrator.url}/sagas/${id}/resolve`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await orchestrator.operatorToken('operator')}`,
      },
      body: JSON.stringify(body),
    });
    return { status: response.statusCode, body: (await response.body.json()) as never };
  }

  it('refuses while money is held, records what an acknowledged resolve keeps, and lets a refund made by hand through', async () => {
    const items = await stockedItems(mock);
    // The shipment is refused, so the order is undone; the provider refuses its refund outright
    // (a closed card), so each saga dead-letters holding the charge.
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: 'error', status: 402 });
    const refs = await Promise.all(
      ['u-31', 'u-32', 'u-33'].map(async (user, i) =>
        orchestrator.client.placeOrder(
          { idempotencyKey: `guard-${i}`, items: items(i + 120) },
          undefined,
          await orchestrator.asUser(user),
        ),
      ),
    );
    const [kept, byHand, unverified] = await waitUntil(
      'every saga dead-lettered on its refund',
      async () => {
        const views = await Promise.all(refs.map((r) => orchestrator.client.get(r.id)));
        return views.every((v) => v.status === 'dead_lettered') ? views : undefined;
      },
      30_000,
    );
    if (!kept || !byHand || !unverified) throw new Error('three sagas expected');
    const orders = await ledger(mock);
    const charged = (orderId: string | null) => orders[orderId ?? '']?.charges[0];
    const keptCharge = charged(kept.orderId);
    expect(keptCharge?.amountCents).toBeGreaterThan(0);

    // Money held: refused, saying how much and what to do.
    const outstanding = await refusal(
      orchestrator.client.resolve(kept.id, { reason: 'refunded in dashboard', reference: 'RF-1' }),
    );
    expect(outstanding).toMatchObject({
      status: 409,
      code: 'CONFLICT',
      reason: 'refund_outstanding',
    });
    expect(outstanding.message).toContain(`holds ${keptCharge?.amountCents} cents`);
    expect(outstanding.message).toContain('replay the saga');
    expect(outstanding.message).toContain('--keep-charge');
    expect((await orchestrator.client.get(kept.id)).status).toBe('dead_lettered');
    // The saga's own page says so before anyone clicks Resolve, as the list does.
    const page = await request(
      `${orchestrator.url}/remediation/sagas/${encodeURIComponent(kept.id)}`,
      {
        headers: { authorization: `Bearer ${await orchestrator.operatorToken('operator')}` },
      },
    );
    const html = await page.body.text();
    expect(page.statusCode).toBe(200);
    expect(html).toContain('owes a refund of');
    expect(html).toMatch(/data-action="resolve"[^>]*data-owes=/);

    // The body is strict like every operator route; the acknowledgement is a boolean.
    for (const body of [
      { reason: 'x', reference: 'y', keepCharge: true, force: true },
      { reason: 'x', reference: 'y', keepCharge: 'yes' },
    ]) {
      const answer = await resolveRaw(kept.id, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    }

    // Reconciliation sees the dead-lettered refunds, and leaves them to a replay.
    const before = await orchestrator.client.reconciliation();
    expect(
      before.findings
        .filter((f) => f.kind === 'charged_in_dlq')
        .map((f) => f.sagaId)
        .sort(),
    ).toEqual([kept.id, byHand.id, unverified.id].sort());
    expect(before.findings.every((f) => f.kind !== 'charged_in_dlq' || f.fix === null)).toBe(true);

    // Acknowledged from the CLI: resolved, with the kept cents on record.
    const { stdout, stderr } = await cli(
      'resolve',
      kept.id,
      '--reason',
      'customer keeps the goods; agreed with finance',
      '--reference',
      'FIN-7',
      '--keep-charge',
    );
    expect(stdout.trim()).toBe(kept.id);
    expect(stderr).toContain(`${keptCharge?.amountCents} cents of the charge kept`);
    const resolved = await orchestrator.client.get(kept.id);
    expect(resolved.status).toBe('resolved');
    expect(resolved.history.at(-1)).toMatchObject({
      type: 'resolved',
      keptCents: keptCharge?.amountCents,
    });

    // Refunded by hand in the provider's dashboard (another key than the saga's): no
    // acknowledgement needed, nothing recorded as kept.
    await clearFaults(mock.urls.payment);
    const manual = await request(`${mock.urls.payment}/refunds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: 'dashboard-1',
        chargeId: charged(byHand.orderId)?.id,
      }),
    });
    expect(manual.statusCode).toBe(201);
    await manual.body.dump();
    const handled = await orchestrator.client.resolve(byHand.id, {
      reason: 'refunded by hand in the provider dashboard',
      reference: 'RF-2',
    });
    expect(handled).toMatchObject({ id: byHand.id, status: 'resolved' });
    // The check ran and found nothing held: 0 kept, on record.
    expect(handled.keptCents).toBe(0);

    // The lookup cannot answer: refused with its own reason, the saga untouched.
    await injectFault(mock.urls.payment, { route: 'GET /charges', mode: 'error', status: 503 });
    const unknown = await refusal(
      orchestrator.client.resolve(unverified.id, { reason: 'refunded', reference: 'RF-3' }),
    );
    expect(unknown).toMatchObject({ status: 409, reason: 'refund_unverified' });
    expect(unknown.message).toContain('the charge lookup failed (payment answered 503)');
    expect((await orchestrator.client.get(unverified.id)).status).toBe('dead_lettered');
    expect(unknown.message).toContain('records nothing as kept');
    // Acknowledged anyway: no amount was read, so none is recorded as kept...
    const blind = await orchestrator.client.resolve(unverified.id, {
      reason: 'customer refunded by bank transfer',
      reference: 'BT-3',
      keepCharge: true,
    });
    expect(blind).toMatchObject({ id: unverified.id, status: 'resolved' });
    expect(blind.keptCents).toBeUndefined();
    await clearFaults(mock.urls.payment);

    // ...and reconciliation keeps reporting its charge, for a human (no refund sent on its own:
    // it may have been settled another way). The two checked resolves' money is accounted for;
    // the stock each resolved saga still holds is reported with its release (nothing else will).
    const after = await orchestrator.client.reconciliation();
    expect(
      after.findings
        .filter((f) => f.kind !== 'reservation_leaked')
        .map((f) => [f.kind, f.sagaId, f.fix]),
    ).toEqual([['charged_without_order', unverified.id, null]]);
    expect(
      after.findings
        .filter((f) => f.kind === 'reservation_leaked')
        .map((f) => [f.sagaId, f.fix?.provider])
        .sort(),
    ).toEqual([kept.id, byHand.id, unverified.id].map((id) => [id, 'inventory']).sort());
  }, 120_000);
});
