import { isTerminal } from '@edge/saga';
import type { SagaView } from '@edge/saga-client';
import type { ServicesMock } from '@edge/services-mock';
import {
  injectFault,
  ledger,
  type Orchestrator,
  type stockedItems,
  waitUntil,
} from './saga-harness';

/** The seed incident, stretched: how long refunds fail, and how many orders are caught. */
export interface RefundOutagePlan {
  /** Refunds fail this long from the start: 429s with Retry-After, then 503s, then down. */
  outageMs: number;
  orders: number;
  /** Retry-After of the 429 phase, in seconds. */
  retryAfterS: number;
  /** Shipments refused (the first ones, however long placing the orders takes): those orders
   * were charged and must be refunded. */
  refusedShipments: number;
  /** Prefix of the orders' client keys, unique per run. */
  keyPrefix: string;
}

/** What an operator would check afterwards; `failures` empty means every promise held. */
export interface RefundOutageReport {
  outageMs: number;
  orders: number;
  compensated: number;
  completed: number;
  deadLettered: number;
  /** Sagas whose refund met a 429 (proof the outage was hit). */
  refundsAfter429: number;
  /** Refund attempts that reached the provider, per refunded saga. */
  refundAttempts: { max: number; median: number };
  /** Calls the open breaker refused (not attempts). */
  deferredCalls: number;
  /** From the first order to the last saga settled. */
  settledAfterMs: number;
  failures: string[];
}

/** The saga client's bulkhead refuses more calls at once than it has room for. */
const WAVE = 40;

async function inWaves<T, R>(items: readonly T[], run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let from = 0; from < items.length; from += WAVE) {
    results.push(...(await Promise.all(items.slice(from, from + WAVE).map(run))));
  }
  return results;
}

type Items = Awaited<ReturnType<typeof stockedItems>>;

/** Payment refund phases: 429 for the first 40 %, 503 for the next 30 %, connection reset after. */
async function injectRefundOutage(mock: ServicesMock, plan: RefundOutagePlan): Promise<void> {
  const route = 'POST /refunds';
  // Rules apply in the order added, each until it expires: the phases follow one another.
  await injectFault(mock.urls.payment, {
    route,
    mode: '429',
    retryAfterS: plan.retryAfterS,
    durationMs: Math.round(plan.outageMs * 0.4),
  });
  await injectFault(mock.urls.payment, {
    route,
    mode: 'error',
    status: 503,
    durationMs: Math.round(plan.outageMs * 0.7),
  });
  await injectFault(mock.urls.payment, { route, mode: 'down', durationMs: plan.outageMs });
  // Counted, not timed: under load, placing the orders may take longer than any window.
  await injectFault(mock.urls.shipping, {
    route: 'POST /shipments',
    mode: 'error',
    status: 409,
    calls: plan.refusedShipments,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Run the outage against a running orchestrator and mock; resolves once every saga settled. */
export async function runRefundOutage(
  mock: ServicesMock,
  orchestrator: Orchestrator,
  items: Items,
  plan: RefundOutagePlan,
): Promise<RefundOutageReport> {
  const startedAt = Date.now();
  await injectRefundOutage(mock, plan);
  const indexes = Array.from({ length: plan.orders }, (_, i) => i);
  const refs = await inWaves(indexes, async (i) =>
    orchestrator.client.placeOrder(
      { idempotencyKey: `${plan.keyPrefix}-${i}`, items: items(i) },
      undefined,
      await orchestrator.asUser(`u-${(i % 300) + 1}`),
    ),
  );
  // Settled means terminal; a dead-lettered saga is a failure, reported below, not awaited.
  const sagas = await waitUntil(
    'every saga to settle',
    async () => {
      const views = await inWaves(refs, (r) => orchestrator.client.get(r.id));
      return views.every((v) => isTerminal(v.status) || v.status === 'dead_lettered')
        ? views
        : undefined;
    },
    plan.outageMs + 180_000,
    1_000,
  );
  const settledAfterMs = Date.now() - startedAt;
  return { ...(await check(mock, sagas, plan)), settledAfterMs };
}

async function check(
  mock: ServicesMock,
  sagas: SagaView[],
  plan: RefundOutagePlan,
): Promise<Omit<RefundOutageReport, 'settledAfterMs'>> {
  const failures: string[] = [];
  const orders = await ledger(mock);
  const byStatus = (status: SagaView['status']) => sagas.filter((s) => s.status === status);
  const attempts: number[] = [];
  let refundsAfter429 = 0;
  let deferredCalls = 0;
  for (const saga of sagas) {
    const entry = orders[saga.orderId ?? ''];
    const charges = entry?.charges ?? [];
    const refunds = entry?.refunds ?? [];
    const charged = charges.reduce((sum, c) => sum + c.amountCents, 0);
    const refunded = refunds.reduce((sum, r) => sum + r.amountCents, 0);
    if (charges.length > 1) failures.push(`${saga.id}: charged ${charges.length} times`);
    if (saga.status === 'completed' && refunds.length > 0) {
      failures.push(`${saga.id}: completed but refunded`);
    }
    if (
      saga.status !== 'completed' &&
      (refunds.length !== charges.length || refunded !== charged)
    ) {
      failures.push(
        `${saga.id} (${saga.status}): charged ${charged} in ${charges.length}, refunded ${refunded} in ${refunds.length}`,
      );
    }
    const refundEvents = saga.history.filter((e) => 'step' in e && e.step === 'refund_payment');
    for (const event of refundEvents) {
      if (event.type === 'call_deferred') deferredCalls += event.times ?? 1;
    }
    if (refunds.length > 0) {
      attempts.push(refundEvents.filter((e) => e.type === 'compensation_started').length);
    }
    if (
      refundEvents.some(
        (e) =>
          e.type === 'compensation_failed' &&
          e.answer !== undefined &&
          'status' in e.answer &&
          e.answer.status === 429,
      )
    ) {
      refundsAfter429++;
    }
  }
  const deadLettered = byStatus('dead_lettered');
  for (const saga of deadLettered) failures.push(`${saga.id}: dead-lettered: ${saga.reason}`);
  return {
    outageMs: plan.outageMs,
    orders: sagas.length,
    compensated: byStatus('compensated').length,
    completed: byStatus('completed').length,
    deadLettered: deadLettered.length,
    refundsAfter429,
    refundAttempts: { max: Math.max(0, ...attempts), median: median(attempts) },
    deferredCalls,
    failures,
  };
}
