import { isRequestInProgress } from '@edge/upstream';
import { editedInput } from './editable-input.js';
import { conflictReason } from './order-saga.js';
import type { CallOutcome, ProviderClient, ProviderRequest } from './provider-client.js';
import {
  DRIFT_KINDS,
  type DriftKind,
  type Finding,
  findDrift,
  type OrderFacts,
  ordersOf,
  type ProviderRecords,
} from './reconciliation.js';
import type { Saga, SagaPhase } from './saga.js';
import type { SagaStore } from './saga-store.js';

/** One reconciliation run: what drifted, counted per kind. */
export interface ReconciliationReport {
  at: string;
  findings: Finding[];
  counts: Record<DriftKind, number>;
}

/** What `--fix` did with one finding. */
export interface FixResult {
  finding: Finding;
  outcome: 'fixed' | 'skipped' | 'failed';
  detail: string;
}

/** Why a reconciliation could not run: a provider's list could not be read. */
export class ReconciliationReadError extends Error {
  /** When asking again may succeed: the provider's or pacing's wait, when one was given. */
  readonly retryAfterMs: number | undefined;
  constructor(what: string, outcome: CallOutcome) {
    super(`could not read ${what}: ${JSON.stringify(outcome).slice(0, 300)}`);
    this.name = 'ReconciliationReadError';
    this.retryAfterMs = 'retryAfterMs' in outcome ? outcome.retryAfterMs : undefined;
  }
}

export interface ReconcilerOptions {
  store: SagaStore;
  /** The paced, breaker-guarded client the sagas use: reconciliation obeys the same limits. */
  providers: ProviderClient;
  /** Per provider call; default 5 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** Order ids per `GET /orders?ids=` (services-mock takes up to 500). */
const ORDER_BATCH = 200;
/**
 * A read waits for a pacing token only this long in all: a provider paused for longer (a 429's
 * Retry-After) fails the run at once with that wait, instead of holding the operator's request
 * until the pause ends.
 */
const MAX_PACED_READ_WAIT_MS = 2_000;

export interface RunOptions {
  /**
   * How long this run's reads may wait in all for a route paused by pacing (a 429's Retry-After
   * on the endpoint it reads) or for the provider's rate: the scheduled run, which nobody
   * waits on, waits the pause out rather than failing and leaving the page on an old report
   * while a refund is dead-lettered. Default: each read waits at most 2 s.
   */
  pacedWaitMs?: number;
}

/**
 * What an operator chose not to refund, so the rest of the charge is not drift to repair: what
 * a resolve acknowledged keeping (all the provider held then), else what an edited, smaller
 * refund left. A resolve that recorded nothing kept nothing: its charge must be refunded.
 */
function keptByOperator(saga: Saga): { keptCents?: number } {
  const resolved = saga.history.find((e) => e.type === 'resolved');
  if (resolved?.type === 'resolved' && resolved.keptCents !== undefined) {
    return { keptCents: resolved.keptCents };
  }
  const edited = editedInput(saga, 'refund_payment')?.['amountCents'];
  const charged = saga.context.totalCents;
  return typeof edited === 'number' && charged !== undefined ? { keptCents: charged - edited } : {};
}

/**
 * Whether a resolved saga's money was accounted for when it was resolved: its own refund had
 * been made, or the resolve's refund check read the charge and recorded what was kept
 * (`keptCents`, 0 included). Only then does money held beyond it contradict the operator.
 */
function checkedOnResolve(saga: Saga): { resolveChecked?: true } {
  const resolved = saga.history.find((e) => e.type === 'resolved');
  if (resolved?.type !== 'resolved') return {};
  const refunded = saga.history.some(
    (e) => e.type === 'compensation_succeeded' && e.step === 'refund_payment',
  );
  return resolved.keptCents !== undefined || refunded ? { resolveChecked: true } : {};
}

/** Undoing its order once a compensation was required: no replay goes forward again. */
function phaseOf(saga: Saga): SagaPhase {
  return saga.history.some((e) => e.type === 'compensation_required') ? 'compensating' : 'forward';
}

/** The records of the given orders only. */
function onlyOrders(records: ProviderRecords, orders: ReadonlySet<string>): ProviderRecords {
  return {
    charges: records.charges.filter((c) => orders.has(c.orderId)),
    refunds: records.refunds.filter((r) => orders.has(r.orderId)),
    reservations: records.reservations.filter((r) => orders.has(r.orderId)),
    shipments: records.shipments.filter((s) => orders.has(s.orderId)),
  };
}

function countsOf(findings: readonly Finding[]): Record<DriftKind, number> {
  const counts = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  for (const f of findings) counts[f.kind]++;
  return counts;
}

/**
 * Diffs sagas against the payment ledger, inventory reservations and shipments (through the
 * same provider client as the sagas, so it is paced and breaker-guarded like them), and repairs
 * what is safe to repair.
 */
export class Reconciler {
  private readonly timeoutMs: number;

  constructor(private readonly options: ReconcilerOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * A call that waits out pacing waits that end by `waitUntil` (reads are no emergency; without
   * it, 2 s from now) and answers the reply.
   */
  private async send(
    request: Omit<ProviderRequest, 'timeoutMs'>,
    waitUntil?: number,
  ): Promise<CallOutcome> {
    const deadline = Math.max(waitUntil ?? 0, Date.now() + MAX_PACED_READ_WAIT_MS);
    for (;;) {
      const outcome = await this.options.providers.call({ ...request, timeoutMs: this.timeoutMs });
      if (outcome.kind !== 'not_sent') return outcome;
      if (Date.now() + outcome.retryAfterMs > deadline) return outcome;
      await new Promise((resolve) => setTimeout(resolve, outcome.retryAfterMs));
    }
  }

  private async read<T>(
    provider: ProviderRequest['provider'],
    path: string,
    waitUntil?: number,
  ): Promise<T> {
    const outcome = await this.send(
      { provider, method: 'GET', path, priority: 'forward' },
      waitUntil,
    );
    if (outcome.kind !== 'ok') throw new ReconciliationReadError(`${provider} ${path}`, outcome);
    return outcome.answer.body as T;
  }

  private async records(waitUntil?: number): Promise<ProviderRecords> {
    const [ledger, inventory, shipping] = await Promise.all([
      this.read<{
        orders: Record<
          string,
          {
            charges: Array<{ id: string; amountCents: number }>;
            refunds: Array<{ id: string; chargeId: string; amountCents: number }>;
          }
        >;
      }>('payment', '/__ledger', waitUntil),
      this.read<{ reservations: ProviderRecords['reservations'] }>(
        'inventory',
        '/__reservations',
        waitUntil,
      ),
      this.read<{ shipments: ProviderRecords['shipments'] }>('shipping', '/__shipments', waitUntil),
    ]);
    const entries = Object.entries(ledger.orders);
    return {
      charges: entries.flatMap(([orderId, e]) => e.charges.map((c) => ({ ...c, orderId }))),
      refunds: entries.flatMap(([orderId, e]) => e.refunds.map((r) => ({ ...r, orderId }))),
      reservations: inventory.reservations,
      shipments: shipping.shipments,
    };
  }

  private async orderStatuses(
    orderIds: string[],
    waitUntil?: number,
  ): Promise<Map<string, string>> {
    const statuses = new Map<string, string>();
    for (let i = 0; i < orderIds.length; i += ORDER_BATCH) {
      const ids = orderIds
        .slice(i, i + ORDER_BATCH)
        .map(encodeURIComponent)
        .join(',');
      const { items } = await this.read<{ items: Array<{ id: string; status: string }> }>(
        'order',
        `/orders?ids=${ids}`,
        waitUntil,
      );
      for (const order of items) statuses.set(order.id, order.status);
    }
    return statuses;
  }

  /**
   * The providers' records are read twice: first to learn which orders to ask about, then again
   * after their orders and sagas were read. A saga that settles in between (its refund lands
   * after the first read) was either still at work when read, and is skipped, or finished, and
   * its effects are in the second read; judged against the first, its edited refund looked
   * missing and the fix would have refunded the part the operator kept. Orders new in the
   * second read wait for the next run: nothing was read about them.
   */
  async run(now = Date.now(), options: RunOptions = {}): Promise<ReconciliationReport> {
    const waitUntil =
      options.pacedWaitMs === undefined ? undefined : Date.now() + options.pacedWaitMs;
    const orderIds = [...ordersOf(await this.records(waitUntil))];
    const statuses = await this.orderStatuses(orderIds, waitUntil);
    const facts = new Map<string, OrderFacts>();
    for (const orderId of orderIds) {
      const saga = await this.options.store.getByOrderId(orderId);
      facts.set(orderId, {
        orderStatus: statuses.get(orderId),
        saga: saga
          ? {
              id: saga.id,
              status: saga.state.status,
              phase: phaseOf(saga),
              ...keptByOperator(saga),
              ...checkedOnResolve(saga),
              ...(saga.context.chargeId ? { chargeId: saga.context.chargeId } : {}),
            }
          : undefined,
      });
    }
    const known = new Set(orderIds);
    const records = onlyOrders(await this.records(waitUntil), known);
    const findings = findDrift(
      records,
      (orderId) =>
        facts.get(orderId) ?? {
          orderStatus: undefined,
          saga: undefined,
        },
    );
    return { at: new Date(now).toISOString(), findings, counts: countsOf(findings) };
  }

  /** Send each finding's fix as a compensation (priority over forward work); report each. */
  async fix(findings: readonly Finding[]): Promise<FixResult[]> {
    const results: FixResult[] = [];
    for (const finding of findings) {
      if (!finding.fix) {
        results.push({ finding, outcome: 'skipped', detail: 'needs a human: no safe undo' });
        continue;
      }
      const { provider, path, body } = finding.fix;
      const outcome = await this.send({
        provider,
        method: 'POST',
        path,
        body,
        priority: 'compensation',
      });
      results.push({ finding, ...this.judge(outcome) });
    }
    return results;
  }

  private judge(outcome: CallOutcome): Pick<FixResult, 'outcome' | 'detail'> {
    switch (outcome.kind) {
      case 'ok':
        return { outcome: 'fixed', detail: `provider answered ${outcome.answer.status}` };
      case 'rejected': {
        // Release and cancel are idempotent (200); a refund already made is a 409 that says so.
        // Any other 409 repaired nothing: another fix in flight, or a key used with another body.
        const reason = conflictReason(outcome);
        if (reason === 'already_refunded') {
          return { outcome: 'fixed', detail: 'already repaired (409 already_refunded)' };
        }
        const why = reason ? ` (${reason})` : '';
        return { outcome: 'failed', detail: `provider refused: ${outcome.answer.status}${why}` };
      }
      case 'retryable':
        // The provider classes a 409 "in progress" as try again: another fix of the same record
        // (the same key) is in flight, from a run racing this one.
        return 'status' in outcome.answer &&
          isRequestInProgress(outcome.answer.status, outcome.answer.body)
          ? { outcome: 'failed', detail: 'a fix of this record is in progress; run again' }
          : { outcome: 'failed', detail: 'provider failed; run the fix again later' };
      case 'not_sent':
        return { outcome: 'failed', detail: `not sent (${outcome.reason}); run again later` };
      default: {
        const never: never = outcome;
        return never;
      }
    }
  }
}
