import { describe, expect, it } from 'vitest';
import { findDrift, type OrderFacts, type ProviderRecords } from '../src/reconciliation';

const none: ProviderRecords = { charges: [], refunds: [], reservations: [], shipments: [] };

function facts(map: Record<string, OrderFacts>) {
  return (orderId: string): OrderFacts =>
    map[orderId] ?? { orderStatus: undefined, saga: undefined };
}

describe('findDrift', () => {
  it('a completed order and a compensated one that was fully undone are not drift', () => {
    const records: ProviderRecords = {
      charges: [
        { id: 'ch-1', orderId: 'o-1', amountCents: 100 },
        { id: 'ch-2', orderId: 'o-2', amountCents: 100 },
      ],
      refunds: [{ id: 're-1', chargeId: 'ch-2', orderId: 'o-2', amountCents: 100 }],
      reservations: [
        { id: 'r-1', orderId: 'o-1', status: 'reserved' },
        { id: 'r-2', orderId: 'o-2', status: 'released' },
      ],
      shipments: [{ id: 's-1', orderId: 'o-1', status: 'created' }],
    };
    const found = findDrift(
      records,
      facts({
        'o-1': { orderStatus: 'confirmed', saga: { id: 'sg-1', status: 'completed' } },
        'o-2': { orderStatus: 'cancelled', saga: { id: 'sg-2', status: 'compensated' } },
      }),
    );
    expect(found).toEqual([]);
  });

  it("what an operator's edit kept of a charge is not drift; anything less refunded still is", () => {
    const records: ProviderRecords = {
      ...none,
      charges: [{ id: 'ch-1', orderId: 'o-1', amountCents: 100 }],
      refunds: [{ id: 're-1', chargeId: 'ch-1', orderId: 'o-1', amountCents: 70 }],
    };
    const edited = (keptCents: number) =>
      findDrift(
        records,
        facts({
          'o-1': { orderStatus: 'failed', saga: { id: 'sg-1', status: 'compensated', keptCents } },
        }),
      ).map((f) => f.kind);
    expect(edited(30)).toEqual([]);
    expect(edited(20)).toEqual(['charged_without_order']);
  });

  it('the fix of a charge an edit kept part of refunds the rest only, never what the operator kept', () => {
    const records: ProviderRecords = {
      ...none,
      charges: [{ id: 'ch-1', orderId: 'o-1', amountCents: 100 }],
      refunds: [{ id: 're-1', chargeId: 'ch-1', orderId: 'o-1', amountCents: 70 }],
    };
    const [finding] = findDrift(
      records,
      facts({
        'o-1': {
          orderStatus: 'failed',
          saga: { id: 'sg-1', status: 'compensated', keptCents: 20 },
        },
      }),
    );
    // Without an amount the provider refunds all that is refundable (30), the kept 20 included.
    expect(finding?.fix?.body).toEqual({
      idempotencyKey: 'reconcile:refund:ch-1',
      chargeId: 'ch-1',
      amountCents: 10,
    });
  });

  it('orders a saga is still working on are left alone', () => {
    const records = { ...none, charges: [{ id: 'ch-1', orderId: 'o-1', amountCents: 100 }] };
    for (const status of ['pending', 'running', 'compensating'] as const) {
      expect(
        findDrift(
          records,
          facts({ 'o-1': { orderStatus: 'cancelled', saga: { id: 's', status } } }),
        ),
      ).toEqual([]);
    }
  });

  describe("a saga in an operator's hands", () => {
    // The incident's case: the refund dead-lettered, so the order was never closed (pending).
    const held: ProviderRecords = {
      ...none,
      charges: [{ id: 'ch-1', orderId: 'o-1', amountCents: 5_000 }],
      reservations: [{ id: 'r-1', orderId: 'o-1', status: 'reserved' }],
    };
    const undone = (status: 'dead_lettered' | 'resolved', keptCents?: number): OrderFacts => ({
      orderStatus: 'pending',
      saga: {
        id: 'sg-1',
        status,
        phase: 'compensating',
        // What the resolve's refund check records, 0 included.
        ...(keptCents === undefined ? {} : { keptCents, resolveChecked: status === 'resolved' }),
      },
    });

    /** The money findings: a resolved saga's held stock is reported too (its own test below). */
    const money = (found: ReturnType<typeof findDrift>) =>
      found.filter((f) => f.kind !== 'reservation_leaked');

    it('a dead-lettered saga whose charge is still held is reported, pointing at replay, with no fix', () => {
      const found = findDrift(held, facts({ 'o-1': undone('dead_lettered') }));
      expect(found).toEqual([
        {
          kind: 'charged_in_dlq',
          orderId: 'o-1',
          sagaId: 'sg-1',
          recordId: 'ch-1',
          detail: expect.stringMatching(/keeps 5000 cents .*sg-1 is dead-lettered: replay it/),
          fix: null,
        },
      ]);
      // Refunded by hand meanwhile: nothing to report.
      const refunded = {
        ...held,
        refunds: [{ id: 're-1', chargeId: 'ch-1', orderId: 'o-1', amountCents: 5_000 }],
      };
      expect(findDrift(refunded, facts({ 'o-1': undone('dead_lettered') }))).toEqual([]);
    });

    it('a resolve that checked the charge and kept nothing, while the charge is held, is charged_without_order, with a refund', () => {
      const found = money(findDrift(held, facts({ 'o-1': undone('resolved', 0) })));
      expect(found).toEqual([
        {
          kind: 'charged_without_order',
          orderId: 'o-1',
          sagaId: 'sg-1',
          recordId: 'ch-1',
          detail: expect.stringContaining('saga sg-1 was resolved'),
          fix: {
            provider: 'payment',
            path: '/refunds',
            body: { idempotencyKey: 'reconcile:refund:ch-1', chargeId: 'ch-1' },
          },
        },
      ]);
    });

    it('a resolve with no refund check (going forward, or before resolves checked) is reported for a human, never refunded on its own', () => {
      const forward: OrderFacts = {
        orderStatus: 'failed',
        saga: { id: 'sg-1', status: 'resolved', phase: 'forward' },
      };
      for (const unchecked of [undone('resolved'), forward]) {
        expect(money(findDrift(held, facts({ 'o-1': unchecked })))).toEqual([
          expect.objectContaining({
            kind: 'charged_without_order',
            recordId: 'ch-1',
            detail: expect.stringContaining('resolved without a refund check'),
            fix: null,
          }),
        ]);
      }
    });

    it("what a resolve kept is of the saga's own charge: a second charge of the order is still drift, all of it", () => {
      const twice = {
        ...held,
        charges: [...held.charges, { id: 'ch-2', orderId: 'o-1', amountCents: 5_000 }],
      };
      const found = money(
        findDrift(
          twice,
          facts({
            'o-1': {
              orderStatus: 'pending',
              saga: {
                id: 'sg-1',
                status: 'resolved',
                phase: 'compensating',
                keptCents: 5_000,
                resolveChecked: true,
                chargeId: 'ch-1',
              },
            },
          }),
        ),
      );
      expect(found).toEqual([
        expect.objectContaining({
          kind: 'charged_without_order',
          recordId: 'ch-2',
          fix: expect.objectContaining({
            body: { idempotencyKey: 'reconcile:refund:ch-2', chargeId: 'ch-2' },
          }),
        }),
      ]);
    });

    it("a resolved saga's stock still reserved is released by a fix (nothing else will); a dead-lettered one's is its replay's", () => {
      const leaks = (status: 'dead_lettered' | 'resolved') =>
        findDrift(held, facts({ 'o-1': undone(status, 5_000) })).filter(
          (f) => f.kind === 'reservation_leaked',
        );
      expect(leaks('resolved')).toEqual([
        expect.objectContaining({
          recordId: 'r-1',
          fix: expect.objectContaining({ path: '/reservations/r-1/release' }),
        }),
      ]);
      expect(leaks('dead_lettered')).toEqual([]);
    });

    it("a resolved saga's kept cents are accounted for; less kept than held is still drift, fixed for the rest", () => {
      expect(money(findDrift(held, facts({ 'o-1': undone('resolved', 5_000) })))).toEqual([]);
      const [short] = money(findDrift(held, facts({ 'o-1': undone('resolved', 3_000) })));
      expect(short).toMatchObject({
        kind: 'charged_without_order',
        fix: { body: { amountCents: 2_000 } },
      });
    });

    it('a saga stopped going forward, with its order pending, is left alone: it may have confirmed it', () => {
      for (const status of ['dead_lettered', 'resolved'] as const) {
        expect(
          findDrift(
            held,
            facts({
              'o-1': { orderStatus: 'pending', saga: { id: 'sg-1', status, phase: 'forward' } },
            }),
          ),
        ).toEqual([]);
      }
    });

    it('its live order holds its charge rightly', () => {
      for (const status of ['dead_lettered', 'resolved'] as const) {
        expect(
          findDrift(
            held,
            facts({ 'o-1': { orderStatus: 'confirmed', saga: { id: 'sg-1', status } } }),
          ),
        ).toEqual([]);
      }
    });
  });

  it('a charged order still pending with no saga is drift: nobody will ever settle it', () => {
    const records = { ...none, charges: [{ id: 'ch-1', orderId: 'o-1', amountCents: 100 }] };
    const lost = findDrift(records, facts({ 'o-1': { orderStatus: 'pending', saga: undefined } }));
    expect(lost).toMatchObject([
      { kind: 'charged_without_order', recordId: 'ch-1', fix: { provider: 'payment' } },
    ]);
    // While its saga runs, the same order is left alone; and when the saga was read completed
    // after the order was read pending (it confirmed the order in between), too.
    for (const status of ['running', 'completed'] as const) {
      expect(
        findDrift(records, facts({ 'o-1': { orderStatus: 'pending', saga: { id: 's', status } } })),
      ).toEqual([]);
    }
  });

  it('each kind of drift, with a safe fix only where undoing cannot cost the customer', () => {
    const records: ProviderRecords = {
      charges: [
        { id: 'ch-ghost', orderId: 'o-ghost', amountCents: 500 },
        { id: 'ch-twice', orderId: 'o-twice', amountCents: 300 },
      ],
      refunds: [
        { id: 're-1', chargeId: 'ch-twice', orderId: 'o-twice', amountCents: 150 },
        { id: 're-2', chargeId: 'ch-twice', orderId: 'o-twice', amountCents: 150 },
      ],
      reservations: [{ id: 'r-leak', orderId: 'o-failed', status: 'reserved' }],
      shipments: [
        { id: 's-free', orderId: 'o-failed', status: 'created' },
        { id: 's-live', orderId: 'o-live', status: 'created' },
      ],
    };
    const found = findDrift(
      records,
      facts({
        'o-twice': { orderStatus: 'cancelled', saga: undefined },
        'o-failed': { orderStatus: 'failed', saga: { id: 'sg-9', status: 'compensated' } },
        'o-live': { orderStatus: 'confirmed', saga: undefined },
      }),
    );
    const byRecord = Object.fromEntries(found.map((f) => [f.recordId, f]));
    expect(found.map((f) => f.kind).sort()).toEqual([
      'charged_without_order',
      'refunded_twice',
      'reservation_leaked',
      'shipment_without_payment',
      'shipment_without_payment',
    ]);
    expect(byRecord['ch-ghost']?.fix).toEqual({
      provider: 'payment',
      path: '/refunds',
      body: { idempotencyKey: 'reconcile:refund:ch-ghost', chargeId: 'ch-ghost' },
    });
    expect(byRecord['ch-twice']?.fix).toBeNull();
    expect(byRecord['r-leak']).toMatchObject({ sagaId: 'sg-9', fix: { provider: 'inventory' } });
    expect(byRecord['s-free']?.fix).toMatchObject({ provider: 'shipping' });
    // A live order shipping unpaid: charge or cancel is a business decision.
    expect(byRecord['s-live']?.fix).toBeNull();
  });
});
