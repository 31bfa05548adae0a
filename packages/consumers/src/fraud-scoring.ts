import { ORDER_EVENT_VERSION, type OrderFlagged, orderEventId } from '@edge/order-events';
import type { EventHandler } from './consumer-runtime.js';
import type { EventLog } from './event-log.js';

export const DEFAULT_FRAUD_THRESHOLDS = Object.freeze({
  /** An order total above this many cents is flagged; default 100,000 ($1,000). */
  maxTotalCents: 100_000,
  /** An order with more units than this in all is flagged; default 20. */
  maxUnits: 20,
});

export interface FraudScoringOptions {
  log: EventLog;
  maxTotalCents?: number;
  maxUnits?: number;
}

/**
 * Fraud scoring: every confirmed order over a threshold is flagged by publishing `OrderFlagged`
 * to the same log. Its id derives from the scored event, so a redelivery that publishes again
 * (crash between publish and acknowledgement) repeats the same event, deduped by its readers.
 */
export function fraudScoringHandler(options: FraudScoringOptions): EventHandler {
  const maxTotalCents = options.maxTotalCents ?? DEFAULT_FRAUD_THRESHOLDS.maxTotalCents;
  const maxUnits = options.maxUnits ?? DEFAULT_FRAUD_THRESHOLDS.maxUnits;
  return async (event) => {
    if (event.type !== 'OrderConfirmed') return;
    const { data } = event;
    const units = data.items.reduce((sum, item) => sum + item.quantity, 0);
    const reasons = [
      ...(data.totalCents > maxTotalCents ? [`total_over_${maxTotalCents}`] : []),
      ...(units > maxUnits ? [`units_over_${maxUnits}`] : []),
    ];
    if (reasons.length === 0) return;
    const flagged: OrderFlagged = {
      id: orderEventId(event.id, 'OrderFlagged'),
      type: 'OrderFlagged',
      version: ORDER_EVENT_VERSION,
      occurredAt: new Date().toISOString(),
      data: {
        orderId: data.orderId,
        userId: data.userId,
        totalCents: data.totalCents,
        reasons,
        sourceEventId: event.id,
      },
    };
    await options.log.append({ event: JSON.stringify(flagged) });
  };
}
