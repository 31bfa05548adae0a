/**
 * Edit before replay on a real orchestrator: a dead-lettered refund is replayed for less than the
 * charge, with a note, by an operator; every refusal of the edit is answered with its code; the
 * ledger shows the edited amount refunded once and the audit log the subject and the diff.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
  stockedItems,
  TEST_OPERATOR,
  testPrefix,
  waitUntil,
} from './saga-harness';

describe('edit before replay', () => {
  let mock: ServicesMock;
  let orchestrator: Orchestrator;
  let sagaId: string;
  /** Replayed with an edit through the CLI. */
  let cliSagaId: string;
  let operator: string;
  const { prefix, cleanup } = testPrefix();

  async function replay(
    body: unknown,
    { token = operator, type = 'application/json', id = sagaId } = {},
  ) {
    const res = await fetch(`${orchestrator.url}/sagas/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown> & {
      error?: { code: string; reason?: string; message: string };
    };
    return { status: res.status, json };
  }

  beforeAll(async () => {
    mock = await startMock();
    orchestrator = await spawnOrchestrator(
      orchestratorEnv(mock, prefix, {
        // A short horizon dead-letters the refund quickly; the edit, not the horizon, is tested.
        SAGA_COMPENSATION_HORIZON_MS: '1000',
      }),
    );
    operator = await orchestrator.operatorToken('operator');
    const items = await stockedItems(mock);
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: '429', retryAfterS: 1 });
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    const refs = await Promise.all(
      [700, 701].map(async (n) =>
        orchestrator.client.placeOrder(
          { idempotencyKey: `edit-${n}`, items: items(n) },
          undefined,
          await orchestrator.asUser('u-8'),
        ),
      ),
    );
    [sagaId, cliSagaId] = refs.map((r) => r.id) as [string, string];
    await waitUntil(
      'both refunds to dead-letter',
      async () =>
        (await orchestrator.client.list('dead_lettered')).length === 2 ? true : undefined,
      20_000,
    );
    await clearFaults(mock.urls.shipping);
  });

  afterAll(async () => {
    await orchestrator?.stop();
    await mock?.close();
    await cleanup();
  });

  it('the list says what the provider asked: "retry after 1 s"', async () => {
    const res = await fetch(`${orchestrator.url}/sagas?status=dead_lettered`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    const { items } = (await res.json()) as {
      items: Array<{ id: string; lastProblem: { summary: string; retryAfterS?: number } }>;
    };
    const row = items.find((i) => i.id === sagaId);
    expect(row?.lastProblem.summary).toBe('payment answered 429, retry after 1 s');
    expect(row?.lastProblem.retryAfterS).toBe(1);
  });

  it('GET /sagas/:id/editable shows the refund with its charge and currency fixed', async () => {
    const res = await fetch(`${orchestrator.url}/sagas/${sagaId}/editable`, {
      headers: { authorization: `Bearer ${await orchestrator.operatorToken('viewer')}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      steps: Array<{ step: string; fields: Array<{ name: string; readOnly: boolean }> }>;
    };
    expect(body.steps.map((s) => s.step)).toEqual(['refund_payment']);
    expect(body.steps[0]?.fields.filter((f) => !f.readOnly).map((f) => f.name)).toEqual([
      'amountCents',
      'note',
    ]);
  });

  const edit = (input: Record<string, unknown>) => ({
    reason: 'customer kept one item',
    edit: { step: 'refund_payment', input },
  });

  it('a viewer editing before a replay gets 403 FORBIDDEN', async () => {
    const res = await replay(edit({ amountCents: 100 }), {
      token: await orchestrator.operatorToken('viewer'),
    });
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe('FORBIDDEN');
  });

  it('a text/plain edit gets 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await replay(edit({ amountCents: 100 }), { type: 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.json.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('an edit of the currency or the charge gets 400 edit_field_not_editable', async () => {
    for (const input of [{ currency: 'JPY' }, { chargeId: 'ch-1' }]) {
      const res = await replay(edit(input));
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({
        code: 'BAD_REQUEST',
        reason: 'edit_field_not_editable',
      });
      expect(res.json.error?.message).toContain('editable: amountCents, note');
    }
  });

  it('an amount above the charge gets 400 edit_amount_above_charged', async () => {
    const { orderId } = await orchestrator.client.get(sagaId);
    const amount = (await ledger(mock))[orderId ?? '']?.charges[0]?.amountCents ?? 0;
    expect(amount).toBeGreaterThan(0);
    const res = await replay(edit({ amountCents: amount + 1 }));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'BAD_REQUEST',
      reason: 'edit_amount_above_charged',
    });
    // Every refusal left the saga where it was, with no audit record.
    const after = await orchestrator.client.get(sagaId);
    expect(after.status).toBe('dead_lettered');
    expect(after.history.some((e) => e.type === 'replayed')).toBe(false);
  });

  it('the refund replays with the edited amount, refunded once, and the audit has subject and diff', async () => {
    await clearFaults(mock.urls.payment);
    const before = await orchestrator.client.get(sagaId);
    const orderId = before.orderId ?? '';
    const charged = (await ledger(mock))[orderId]?.charges[0]?.amountCents ?? 0;
    const amount = charged - 250;
    const res = await replay(edit({ amountCents: amount, note: 'kept one item, 2.50 off' }));
    expect(res.status).toBe(202);
    expect(res.json['edit']).toEqual({
      step: 'refund_payment',
      changes: [
        { field: 'amountCents', before: charged, after: amount },
        { field: 'note', before: null, after: 'kept one item, 2.50 off' },
      ],
    });
    await waitUntil(
      'the replayed saga to compensate',
      async () =>
        (await orchestrator.client.get(sagaId)).status === 'compensated' ? true : undefined,
      20_000,
    );
    const refunds = (await ledger(mock))[orderId]?.refunds;
    expect(refunds).toHaveLength(1);
    expect(refunds?.[0]).toMatchObject({
      amountCents: amount,
      note: 'kept one item, 2.50 off',
      idempotencyKey: `${sagaId}:refund_payment`,
    });
    const audit = await fetch(`${orchestrator.url}/audit`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    const { items } = (await audit.json()) as {
      items: Array<{ sagaId: string; actor: string; action: string; edit?: unknown }>;
    };
    expect(items.filter((i) => i.sagaId === sagaId)).toEqual([
      expect.objectContaining({
        actor: TEST_OPERATOR,
        action: 'replayed',
        reason: 'customer kept one item',
        edit: {
          step: 'refund_payment',
          changes: [
            { field: 'amountCents', before: charged, after: amount },
            { field: 'note', before: null, after: 'kept one item, 2.50 off' },
          ],
        },
      }),
    ]);
  });

  it('an edit of a saga that is no longer dead-lettered gets the replay refusal, 409 CONFLICT', async () => {
    const res = await replay(edit({ amountCents: 100 }));
    expect(res.status).toBe(409);
    expect(res.json.error?.code).toBe('CONFLICT');
  });

  it("the CLI's sagas replay --edit --set replays with the edit and prints the diff", async () => {
    const { orderId } = await orchestrator.client.get(cliSagaId);
    const res = spawnSync(
      process.execPath,
      [
        'scripts/run.mjs',
        'cli',
        'sagas',
        'replay',
        cliSagaId,
        '--reason',
        'voucher issued for part',
        '--edit',
        'refund_payment',
        '--set',
        'amountCents=100',
        '--set',
        'note=voucher V-1',
      ],
      {
        cwd: join(import.meta.dirname, '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, SAGA_URL: orchestrator.url, OPERATOR_TOKEN: operator },
      },
    );
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe(`${cliSagaId}\n`);
    expect(res.stderr).toMatch(/refund_payment amountCents: \d+ -> 100/);
    await waitUntil(
      'the CLI-replayed saga to compensate',
      async () =>
        (await orchestrator.client.get(cliSagaId)).status === 'compensated' ? true : undefined,
      20_000,
    );
    expect((await ledger(mock))[orderId ?? '']?.refunds).toEqual([
      expect.objectContaining({ amountCents: 100, note: 'voucher V-1' }),
    ]);
    // What the edits kept of both charges is the operators' decision, not drift to repair.
    const orders = await Promise.all(
      [sagaId, cliSagaId].map(async (id) => (await orchestrator.client.get(id)).orderId),
    );
    const report = await orchestrator.client.reconciliation();
    expect(report.findings.filter((f) => orders.includes(f.orderId))).toEqual([]);
  });
});
