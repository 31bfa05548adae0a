import { AppError, ErrorCode, sendJson, z } from '@edge/common';
import { IdempotencyStore } from '../idempotency.js';
import { idempotentPost } from '../idempotent-post.js';
import { lookupRoute } from '../lookup-route.js';
import type { MockService } from '../mock-service.js';
import type { Charge, Ledger, Refund } from '../types.js';
import { found, idempotencyKey } from '../validation.js';

const chargeBody = z.object({
  idempotencyKey,
  orderId: z.string().min(1).max(100),
  amountCents: z.int().min(1).max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD'),
});

const refundBody = z.object({
  idempotencyKey,
  chargeId: z.string().min(1).max(100),
  amountCents: z.int().min(1).max(100_000_000).optional(),
  /** Free text for the records, e.g. why an operator refunded less than was charged. */
  note: z.string().min(1).max(500).optional(),
});

interface ChargeRecord {
  charge: Charge;
  idempotencyKey: string;
  refunds: RefundRecord[];
}

interface RefundRecord {
  refund: Refund;
  idempotencyKey: string;
}

export function createPaymentService(): MockService {
  const idempotency = new IdempotencyStore();
  const charges = new Map<string, ChargeRecord>();
  let nextCharge = 1;
  let nextRefund = 1;

  const refundedCents = (record: ChargeRecord) =>
    record.refunds.reduce((sum, r) => sum + r.refund.amountCents, 0);
  // Its refunds with their keys, as a provider lists a charge's refunds with their metadata.
  const chargeView = (record: ChargeRecord) => ({
    ...record.charge,
    refundedCents: refundedCents(record),
    refunds: record.refunds.map(({ refund, idempotencyKey }) => ({
      id: refund.id,
      amountCents: refund.amountCents,
      idempotencyKey,
    })),
  });

  const ledger = (): Ledger => {
    const orders: Ledger['orders'] = {};
    let chargedCents = 0;
    let refundedTotal = 0;
    for (const record of charges.values()) {
      const { charge } = record;
      let entry = orders[charge.orderId];
      if (!entry) {
        entry = { charges: [], refunds: [] };
        orders[charge.orderId] = entry;
      }
      entry.charges.push({
        id: charge.id,
        idempotencyKey: record.idempotencyKey,
        amountCents: charge.amountCents,
      });
      chargedCents += charge.amountCents;
      for (const { refund, idempotencyKey: key } of record.refunds) {
        entry.refunds.push({
          id: refund.id,
          chargeId: refund.chargeId,
          idempotencyKey: key,
          amountCents: refund.amountCents,
          ...(refund.note === undefined ? {} : { note: refund.note }),
        });
        refundedTotal += refund.amountCents;
      }
    }
    return { orders, totals: { chargedCents, refundedCents: refundedTotal } };
  };

  return {
    name: 'payment',
    reset: () => {
      idempotency.reset();
      charges.clear();
      nextCharge = 1;
      nextRefund = 1;
    },
    routes: [
      idempotentPost(idempotency, { path: '/charges', body: chargeBody }, (body) => {
        const charge: Charge = {
          id: `ch-${nextCharge++}`,
          orderId: body.orderId,
          amountCents: body.amountCents,
          currency: body.currency,
          status: 'succeeded',
        };
        charges.set(charge.id, { charge, idempotencyKey: body.idempotencyKey, refunds: [] });
        return { status: 201, body: charge };
      }),
      lookupRoute('/charges', 'charge', idempotency, (id) => {
        const record = charges.get(id);
        return record && chargeView(record);
      }),
      {
        method: 'GET',
        path: '/charges/:id',
        handler: (ctx) => {
          const id = ctx.params['id'] ?? '';
          const record = found(charges, 'Charge', id);
          sendJson(ctx.res, 200, chargeView(record));
        },
      },
      idempotentPost(idempotency, { path: '/refunds', body: refundBody }, (body) => {
        const record = found(charges, 'Charge', body.chargeId);
        const refundable = record.charge.amountCents - refundedCents(record);
        const last = record.refunds.at(-1);
        if (refundable <= 0 && last) {
          // The saga's question after a lost answer is "was it refunded?"; naming the refund
          // that did it lets the caller reconcile instead of refunding twice.
          throw new AppError(ErrorCode.CONFLICT, `Charge ${record.charge.id} is already refunded`, {
            details: { reason: 'already_refunded', refundId: last.refund.id },
          });
        }
        const amountCents = body.amountCents ?? refundable;
        if (amountCents > refundable) {
          throw new AppError(
            ErrorCode.CONFLICT,
            `Refund of ${amountCents} exceeds the ${refundable} cents still refundable`,
            { details: { reason: 'exceeds_refundable', refundableCents: refundable } },
          );
        }
        const refund: Refund = {
          id: `re-${nextRefund++}`,
          chargeId: record.charge.id,
          orderId: record.charge.orderId,
          amountCents,
          status: 'succeeded',
          ...(body.note === undefined ? {} : { note: body.note }),
        };
        record.refunds.push({ refund, idempotencyKey: body.idempotencyKey });
        return { status: 201, body: refund };
      }),
      {
        method: 'GET',
        path: '/__ledger',
        handler: (ctx) => sendJson(ctx.res, 200, ledger()),
      },
      {
        // Refund keys only: charges stay findable by key, as a provider's search by metadata is.
        method: 'POST',
        path: '/__refunds/expire-keys',
        handler: (ctx) => {
          idempotency.forget('POST /refunds');
          ctx.res.writeHead(204);
          ctx.res.end();
        },
      },
    ],
  };
}
