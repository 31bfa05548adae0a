import { isAppError } from '@edge/common';
import { describe, expect, it } from 'vitest';
import { ORDER_STEPS } from '../src/order-saga';
import { renderRemediationPage } from '../src/remediation-page';
import type { Saga, SagaEvent, StepEdit } from '../src/saga';
import {
  cancelRequest,
  replayManyRequest,
  replayRequest,
  resolveRequest,
} from '../src/saga-api-schemas';
import { searchQuery, summarize } from '../src/saga-search';
import { timelineOf } from '../src/saga-timeline';
import { editableStepsOf, prepareStepEdit } from '../src/step-edit';

const AT = '2026-01-01T00:00:00.000Z';
const call = (step: SagaEvent & { step: string }) => step;
const key = (step: string) => `sg-1:${step}`;

/** A refund that the provider kept answering 429 (Retry-After 30 s) until its horizon ended. */
function deadRefund(extra: SagaEvent[] = []): Saga {
  const forward = (step: 'create_order' | 'reserve_inventory' | 'charge_payment'): SagaEvent =>
    call({
      type: 'step_succeeded',
      step,
      attempt: 1,
      idempotencyKey: key(step),
      at: AT,
      answer: { status: 201, body: {} },
    });
  return {
    id: 'sg-1',
    type: 'place_order',
    clientKey: 'k',
    input: { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] },
    state: {
      status: 'dead_lettered',
      phase: 'compensating',
      cause: 'failure',
      reason: 'refund_payment: horizon',
      at: AT,
    },
    context: { orderId: 'o-1', totalCents: 5000, currency: 'EUR', chargeId: 'ch-1' },
    history: [
      {
        type: 'saga_created',
        clientKey: 'k',
        input: { userId: 'u-1', partnerId: null, items: [] },
        at: AT,
      },
      forward('create_order'),
      forward('reserve_inventory'),
      forward('charge_payment'),
      {
        type: 'step_failed',
        step: 'create_shipment',
        attempt: 1,
        idempotencyKey: key('create_shipment'),
        at: AT,
        answer: { status: 409, body: {} },
        retryable: false,
        maybeApplied: false,
      },
      { type: 'compensation_required', cause: 'failure', reason: 'create_shipment failed', at: AT },
      {
        type: 'compensation_started',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: key('refund_payment'),
        at: AT,
      },
      {
        type: 'compensation_failed',
        step: 'refund_payment',
        attempt: 1,
        idempotencyKey: key('refund_payment'),
        at: AT,
        answer: { status: 429, body: { error: 'slow down' }, retryAfterMs: 30_000 },
        retryable: true,
      },
      { type: 'dead_lettered', reason: 'refund_payment: horizon', at: AT },
      ...extra,
    ],
    createdAt: AT,
    updatedAt: AT,
    dueAt: null,
  };
}

function refusal(saga: Saga, step: string, input: Record<string, unknown>): unknown {
  try {
    prepareStepEdit(saga, { step, input });
  } catch (error) {
    if (isAppError(error)) return { status: error.status, ...error.details };
    throw error;
  }
  return 'accepted';
}

/** The saga as the engine stores it after a replay with this edit. */
function replayedWith(saga: Saga, edit: StepEdit): Saga {
  return {
    ...saga,
    history: [...saga.history, { type: 'replayed', actor: 'op', reason: 'r', at: AT, edit }],
  };
}

describe('edit before replay', () => {
  it('a smaller refund with a note becomes the refund request, with a diff for the audit', () => {
    const saga = deadRefund();
    const edit = prepareStepEdit(saga, {
      step: 'refund_payment',
      input: { amountCents: 3000, note: ' 20.00 EUR refunded as a voucher ' },
    });
    expect(edit).toEqual({
      step: 'refund_payment',
      input: { amountCents: 3000, note: '20.00 EUR refunded as a voucher' },
      changes: [
        { field: 'amountCents', before: 5000, after: 3000 },
        { field: 'note', before: null, after: '20.00 EUR refunded as a voucher' },
      ],
    });
    const undo = ORDER_STEPS.charge_payment.undo;
    expect(
      undo?.request('ch-1', 'sg-1:refund_payment', 'failure', replayedWith(saga, edit)).body,
    ).toEqual({
      idempotencyKey: 'sg-1:refund_payment',
      chargeId: 'ch-1',
      amountCents: 3000,
      note: '20.00 EUR refunded as a voucher',
    });
    // Unedited, the refund names no amount: the provider refunds what is still refundable.
    expect(undo?.request('ch-1', 'sg-1:refund_payment', 'failure', saga).body).toEqual({
      idempotencyKey: 'sg-1:refund_payment',
      chargeId: 'ch-1',
    });
  });

  it("the timeline says what the operator's edit changed", () => {
    const edit = prepareStepEdit(deadRefund(), {
      step: 'refund_payment',
      input: { amountCents: 10 },
    });
    expect(timelineOf(replayedWith(deadRefund(), edit)).at(-1)).toMatchObject({
      summary: 'replayed after an edit of refund_payment: amountCents: 5000 -> 10',
      actor: 'op',
    });
  });

  it('a note alone leaves the amount to the provider, and a later edit builds on the earlier one', () => {
    const first = prepareStepEdit(deadRefund(), { step: 'refund_payment', input: { note: 'n' } });
    expect(first.input).toEqual({ note: 'n' });
    const second = prepareStepEdit(replayedWith(deadRefund(), first), {
      step: 'refund_payment',
      input: { amountCents: 4000 },
    });
    expect(second.input).toEqual({ note: 'n', amountCents: 4000 });
    expect(second.changes).toEqual([{ field: 'amountCents', before: 5000, after: 4000 }]);
  });

  it('an amount above the charge is refused with edit_amount_above_charged', () => {
    expect(refusal(deadRefund(), 'refund_payment', { amountCents: 5001 })).toMatchObject({
      status: 400,
      reason: 'edit_amount_above_charged',
    });
  });

  it('the charge, the currency or any other field is refused with edit_field_not_editable', () => {
    for (const input of [
      { chargeId: 'ch-2' },
      { currency: 'USD' },
      { amountCents: 1, iban: 'x' },
    ]) {
      expect(refusal(deadRefund(), 'refund_payment', input)).toMatchObject({
        status: 400,
        reason: 'edit_field_not_editable',
      });
    }
  });

  it('a __proto__ field sent as JSON is refused with edit_field_not_editable, not dropped', () => {
    // JSON.parse makes "__proto__" an own key; a record schema used to drop it silently, so the
    // edit was accepted without the field the operator named.
    for (const body of [
      '{"reason":"r","edit":{"step":"refund_payment","input":{"__proto__":{"chargeId":"ch-2"},"note":"n"}}}',
      '{"reason":"r","edit":{"step":"refund_payment","input":{"__proto__":{"amountCents":999999}}}}',
    ]) {
      const parsed = replayRequest.parse(JSON.parse(body));
      expect(
        parsed.edit && refusal(deadRefund(), parsed.edit.step, parsed.edit.input),
      ).toMatchObject({ status: 400, reason: 'edit_field_not_editable' });
    }
  });

  it('a note with nothing a person can read, a control, override or broken character is edit_invalid', () => {
    for (const note of [
      '\u200b\u200b',
      '\u00a0\u2060',
      'a\u0000b',
      'red \u001b[31m',
      'half \ud800',
      '\u202egnp.exe',
    ]) {
      expect(refusal(deadRefund(), 'refund_payment', { note })).toMatchObject({
        status: 400,
        reason: 'edit_invalid',
      });
    }
    expect(
      refusal(deadRefund(), 'refund_payment', {
        note: 'Gutschrift \u00fcber 20 \u20ac \ud83d\ude00',
      }),
    ).toBe('accepted');
  });

  it('a bad value is refused with edit_invalid', () => {
    for (const input of [
      { amountCents: 0 },
      { amountCents: 12.5 },
      { amountCents: '100' },
      { note: '' },
    ]) {
      expect(refusal(deadRefund(), 'refund_payment', input)).toMatchObject({
        reason: 'edit_invalid',
      });
    }
  });

  it('a step without editable input, one already done, or no change at all is refused', () => {
    expect(refusal(deadRefund(), 'release_inventory', {})).toMatchObject({
      reason: 'edit_step_not_editable',
    });
    expect(refusal(deadRefund(), 'no_such_step', {})).toMatchObject({
      reason: 'edit_step_not_editable',
    });
    const refunded = deadRefund([
      {
        type: 'compensation_succeeded',
        step: 'refund_payment',
        attempt: 2,
        idempotencyKey: key('refund_payment'),
        at: AT,
        answer: { status: 201, body: {} },
      },
    ]);
    expect(refusal(refunded, 'refund_payment', { amountCents: 10 })).toMatchObject({
      reason: 'edit_step_not_pending',
    });
    expect(refusal(deadRefund(), 'refund_payment', { amountCents: 5000 })).toMatchObject({
      reason: 'edit_no_change',
    });
  });

  it('the dialog lists the refund with the charge and currency fixed and the amount editable', () => {
    const [refund] = editableStepsOf(deadRefund());
    expect(refund?.step).toBe('refund_payment');
    expect(refund?.fields.map((f) => [f.name, f.value, f.readOnly])).toEqual([
      ['chargeId', 'ch-1', true],
      ['currency', 'EUR', true],
      ['amountCents', 5000, false],
      ['note', null, false],
    ]);
    expect(editableStepsOf({ ...deadRefund(), state: { status: 'running' } })).toEqual([]);
  });

  it('an operator reason with nothing readable or a control character is refused', () => {
    const unreadable = ['\u200b', '\u00a0\u2060\n', 'ok\u0000', 'red \u001b[31m'];
    // An override makes "refunded 10 USD <RLO>DSU 0001<PDF>" read "refunded 10 USD 1000 USD".
    const reordering = ['refunded 10 USD \u202eDSU 0001\u202c', 'a \u2067b\u2069'];
    for (const reason of [...unreadable, ...reordering]) {
      expect(replayRequest.safeParse({ reason }).success).toBe(false);
      expect(resolveRequest.safeParse({ reason, reference: 'RF-1' }).success).toBe(false);
      // The reference is recorded in the audit reason, "<reason> (reference <reference>)".
      expect(resolveRequest.safeParse({ reason: 'manual refund', reference: reason }).success).toBe(
        false,
      );
      expect(replayManyRequest.safeParse({ reason, all: true }).success).toBe(false);
      // A customer's cancel reason reaches the same audit log and CLI.
      expect(cancelRequest.safeParse({ idempotencyKey: 'k-1', reason }).success).toBe(false);
    }
    expect(replayRequest.safeParse({ reason: 'Kunde erstattet\n\u2013 siehe RF-1' }).success).toBe(
      true,
    );
    // Right-to-left writing and its marks are text, not tricks.
    expect(replayRequest.safeParse({ reason: '\u05d4\u05d7\u05d6\u05e8 \u200fRF-1' }).success).toBe(
      true,
    );
  });

  it('a bulk replay names each saga once: a repeated id is refused, not replayed again', () => {
    expect(replayManyRequest.safeParse({ reason: 'r', ids: ['sg-1', 'sg-2'] }).success).toBe(true);
    const twice = replayManyRequest.safeParse({ reason: 'r', ids: ['sg-1', 'sg-2', 'sg-1'] });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['ids', 'each saga id at most once; repeated: sg-1'],
    ]);
    expect(replayManyRequest.safeParse({ reason: 'r', ids: Array(100).fill('sg-1') }).success).toBe(
      false,
    );
  });

  it('the API shape: an edit names a step and its fields, nothing else', () => {
    expect(
      replayRequest.safeParse({ reason: 'r', edit: { step: 'refund_payment', input: {} } }).success,
    ).toBe(true);
    expect(
      replayRequest.safeParse({
        reason: 'r',
        edit: { step: 'refund_payment', input: {}, actor: 'x' },
      }).success,
    ).toBe(false);
  });
});

describe('the provider last answer, plainly', () => {
  it('a 429 row says how long the provider asked us to wait', () => {
    const summary = summarize(deadRefund(), false);
    expect(summary.lastProblem?.summary).toBe('payment answered 429, retry after 30 s');
    expect(summary.lastProblem?.retryAfterS).toBe(30);
  });

  it('rows show the Retry-After and parked-until, and operators get the edit form data', () => {
    const parked: Saga = {
      ...deadRefund(),
      id: 'sg-2',
      state: { status: 'compensating', cause: 'failure', reason: 'create_shipment failed' },
      history: deadRefund().history.slice(0, -1).concat({
        type: 'step_parked',
        step: 'refund_payment',
        attempt: 1,
        until: '2026-01-02T00:00:00.000Z',
        reason: 'Retry-After beyond the horizon',
        at: AT,
      }),
      dueAt: Date.parse('2026-01-02T00:00:00.000Z'),
    };
    const sagas = [deadRefund(), parked];
    const items = sagas.map((s) => summarize(s, false));
    const page = (role: 'operator' | 'viewer') =>
      renderRemediationPage({
        frame: { nonce: 'n', csrf: 'c', subject: 'alice', role },
        editable: Object.fromEntries(sagas.map((s) => [s.id, editableStepsOf(s)])),
        query: searchQuery.parse({ status: 'any' }),
        rawQuery: new URLSearchParams(),
        result: {
          items,
          sagas,
          counts: {
            pending: 0,
            running: 0,
            compensating: 1,
            completed: 0,
            compensated: 0,
            dead_lettered: 1,
            resolved: 0,
            stuck: 0,
          },
          truncated: [],
          exact: { matched: true, stuck: true },
          matched: 2,
          totals: { EUR: 10_000 },
          replayable: { ids: ['sg-1', 'sg-2'], totals: { EUR: 10_000 } },
          nextCursor: null,
        },
        now: Date.parse(AT),
      });
    const html = page('operator');
    const row = (id: string) => html.split(`data-saga-id="${id}"`)[1]?.split('</tr>')[0] ?? '';
    expect(row('sg-1')).toContain('payment answered 429, retry after 30 s');
    expect(row('sg-2')).toContain('parked until 2026-01-02T00:00:00.000Z');
    const editable = (h: string) =>
      JSON.parse(
        /<script type="application\/json" id="editable"[^>]*>(.*?)<\/script>/.exec(h)?.[1] ??
          'null',
      );
    expect(Object.keys(editable(html))).toEqual(['sg-1', 'sg-2']);
    expect(editable(html)['sg-1'][0].step).toBe('refund_payment');
    expect(editable(html)['sg-2']).toEqual([]);
    expect(editable(page('viewer'))).toEqual({});
  });
});
