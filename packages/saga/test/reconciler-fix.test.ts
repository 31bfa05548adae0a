import { describe, expect, it } from 'vitest';
import type { CallOutcome, ProviderClient, ProviderRequest } from '../src/provider-client';
import { Reconciler } from '../src/reconciler';
import type { Saga } from '../src/saga';
import type { SagaStore } from '../src/saga-store';

const AT = '2026-01-01T00:00:00.000Z';

/** A saga whose replay of an operator's edited refund (1,000 of a 5,000 charge) has landed. */
function settledSaga(): Saga {
  return {
    id: 'sg-1',
    type: 'place_order',
    clientKey: 'k',
    input: { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] },
    state: { status: 'compensated', cause: 'failure', reason: 'r' },
    context: { orderId: 'o-1', totalCents: 5000, currency: 'EUR', chargeId: 'ch-1' },
    history: [
      {
        type: 'replayed',
        actor: 'ops',
        reason: 'keep the voucher part',
        edit: {
          step: 'refund_payment',
          input: { amountCents: 1000 },
          changes: [{ field: 'amountCents', before: null, after: 1000 }],
        },
        at: AT,
      },
    ],
    createdAt: AT,
    updatedAt: AT,
    dueAt: null,
  };
}

/** Payment, inventory, shipping and order lists as services-mock serves them; refunds land late. */
class Providers implements ProviderClient {
  refunded = false;
  fixes: ProviderRequest[] = [];
  async call(request: ProviderRequest): Promise<CallOutcome> {
    const ok = (body: unknown): CallOutcome => ({ kind: 'ok', answer: { status: 200, body } });
    if (request.method === 'POST') {
      this.fixes.push(request);
      return ok({});
    }
    if (request.path === '/__ledger') {
      const refunds = this.refunded ? [{ id: 'rf-1', chargeId: 'ch-1', amountCents: 1000 }] : [];
      return ok({ orders: { 'o-1': { charges: [{ id: 'ch-1', amountCents: 5000 }], refunds } } });
    }
    if (request.path === '/__reservations') return ok({ reservations: [] });
    if (request.path === '/__shipments') return ok({ shipments: [] });
    return ok({ items: [{ id: 'o-1', status: 'failed' }] });
  }
  async close(): Promise<void> {}
}

describe('a saga that settles while the reconciler runs', () => {
  it('its edited refund landing after the ledger was read is no drift, and --fix refunds nothing', async () => {
    const providers = new Providers();
    // The saga's refund lands (and the saga is compensated) between the reconciler's ledger read
    // and its look at the saga.
    const store = {
      getByOrderId: async () => {
        providers.refunded = true;
        return settledSaga();
      },
    } as unknown as SagaStore;
    const reconciler = new Reconciler({ store, providers });
    const report = await reconciler.run();
    expect(report.findings).toEqual([]);
    await reconciler.fix(report.findings);
    expect(providers.fixes).toEqual([]);
  });
});

describe('what a fix answered 409 did', () => {
  /**
   * A provider answering every fix 409 with one reason, classed as the HTTP client classes it:
   * "in progress" is a retry (the first request may still land), any other 409 a refusal.
   */
  const refusing = (reason: string): ProviderClient => ({
    call: async () => {
      const answer = { status: 409, body: { error: { code: 'CONFLICT', reason } } };
      return reason === 'request_in_progress'
        ? { kind: 'retryable', answer, maybeApplied: true }
        : { kind: 'rejected', answer };
    },
    close: async () => {},
  });
  const finding = {
    kind: 'charged_without_order' as const,
    orderId: 'o-1',
    recordId: 'ch-1',
    detail: 'd',
    fix: { provider: 'payment' as const, path: '/refunds', body: { chargeId: 'ch-1' } },
  };
  const fixWith = async (reason: string) =>
    (
      await new Reconciler({
        store: {} as SagaStore,
        providers: refusing(reason),
      }).fix([finding])
    )[0];

  it('already refunded is fixed; in progress, a reused key or too much refunded is not', async () => {
    expect(await fixWith('already_refunded')).toMatchObject({ outcome: 'fixed' });
    expect(await fixWith('request_in_progress')).toMatchObject({
      outcome: 'failed',
      detail: 'a fix of this record is in progress; run again',
    });
    for (const reason of ['idempotency_key_reused', 'exceeds_refundable']) {
      expect(await fixWith(reason)).toMatchObject({
        outcome: 'failed',
        detail: `provider refused: 409 (${reason})`,
      });
    }
  });
});
