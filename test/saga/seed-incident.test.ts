import { describe, expect, it } from 'vitest';
import { withDefaultsWorld } from './defaults-world';
import { runRefundOutage } from './refund-outage';

// The incident: refunds answered 429 while shipments failed; the refund was not retried and went
// to an unwatched DLQ. Replayed here with the shipped default policies and no overrides: the
// refund route answers 429 with Retry-After, then 503, then resets connections, for 30 s (the
// open breaker refuses most calls meanwhile). Every affected customer must be refunded exactly
// once and nothing dead-lettered. The same scenario runs for minutes with `npm run -s outage`.
const OUTAGE_MS = 30_000;
const ORDERS = 120;

describe('seed incident replayed with default policies', () => {
  const world = withDefaultsWorld();

  it('every charged customer whose order failed is refunded exactly once and nothing is dead-lettered', async () => {
    const report = await runRefundOutage(world.mock, world.orchestrator, world.items, {
      outageMs: OUTAGE_MS,
      orders: ORDERS,
      retryAfterS: 1,
      refusedShipments: ORDERS / 2,
      keyPrefix: 'incident',
    });
    expect(report.failures).toEqual([]);
    expect(report.deadLettered).toBe(0);
    // The outage must have hit: orders failed at shipment after being charged, and refunds met
    // the 429s.
    // At least the refused shipments; a charge refused by the payment breaker (open because of
    // the refund outage) past the 10 s forward horizon undoes its order too.
    expect(report.compensated).toBeGreaterThanOrEqual(ORDERS / 2);
    expect(report.completed + report.compensated).toBe(ORDERS);
    expect(report.refundsAfter429).toBeGreaterThan(0);
  }, 300_000);
});
