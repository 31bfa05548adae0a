import type { Prng } from '@edge/testkit';
import type {
  CallOutcome,
  CallPriority,
  ProviderClient,
  ProviderRequest,
} from '../src/provider-client';

/** The simulation's time, which only the simulation (and calls in flight) moves. */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
}

/** When and how the payment provider fails in one simulated world. */
export interface FaultPlan {
  /** Payment answers 429 (Retry-After), then 503, then resets connections in this window. */
  outageStart: number;
  outageEnd: number;
  retryAfterMs: number;
  /** Chance that a payment call in the outage is refused by the (simulated) open breaker. */
  breakerOpen: number;
  /** Chance per charge call: connection reset before the provider saw it (no effect). */
  chargeReset: number;
  /** Chance per charge or refund call: applied, but answered only after the client gave up. */
  appliedLate: number;
  /** Chance per charge call: 409 "a request with this key is in progress". */
  inProgress: number;
  /** Chance per shipment key: refused (409), so the saga compensates. */
  shipmentRefused: number;
}

interface Charge {
  id: string;
  amountCents: number;
  refundedCents: number;
  /** Which kind of call created it: a compensation must never create a charge. */
  createdBy: CallPriority;
}

interface Stored {
  status: number;
  body: unknown;
}

const ok = (status: number, body: unknown): CallOutcome => ({
  kind: 'ok',
  answer: { status, body },
});
const rejected = (status: number, body: unknown = {}): CallOutcome => ({
  kind: 'rejected',
  answer: { status, body },
});
const lost = (error: string): CallOutcome => ({
  kind: 'retryable',
  answer: { error },
  maybeApplied: true,
});
const inProgress = (): CallOutcome => ({
  kind: 'retryable',
  answer: { status: 409, body: { error: { reason: 'request_in_progress' } } },
  maybeApplied: true,
});

/**
 * The four services as one deterministic in-memory provider with the real services' semantics
 * (one effect per key, stored answers, lookups by key, 409 already_refunded, in-progress keys)
 * and the faults of a seeded plan. It keeps the truth a simulation asserts against.
 */
export class SimulatedProviders implements ProviderClient {
  readonly charges = new Map<string, Charge>();
  readonly refunds: Array<{ key: string; chargeId: string; amountCents: number }> = [];
  /** Calls that reached the provider, per route. */
  readonly sent = new Map<string, number>();
  private readonly stored = new Map<string, Stored>();
  /** Requests received but not yet applied (answered late): key -> when they apply. */
  private readonly pending = new Map<string, { applyAt: number; apply: () => void }>();
  private next = 1;

  constructor(
    private readonly clock: SimClock,
    private readonly prng: Prng,
    private readonly plan: FaultPlan,
  ) {}

  private now(): number {
    return this.clock.now();
  }

  async call(request: ProviderRequest): Promise<CallOutcome> {
    // A call takes time: the world moves on while it is in flight.
    this.clock.advance(this.prng.int(1, 300));
    this.settlePending();
    const [path = '', query = ''] = request.path.split('?');
    const key =
      (request.method === 'GET'
        ? new URLSearchParams(query).get('idempotencyKey')
        : String(request.body?.['idempotencyKey'] ?? '')) ?? '';
    const route = `${request.method} ${path.replace(/\/[a-z]+-\d+/g, '/:id')}`;
    if (request.provider === 'payment') {
      const fault = this.paymentFault(request);
      if (fault) return fault;
    }
    this.sent.set(route, (this.sent.get(route) ?? 0) + 1);
    if (key && this.pending.has(key)) return inProgress();
    if (request.method === 'GET') return this.lookup(path, key);
    const stored = this.stored.get(key);
    if (stored) return this.answer(stored);
    if (route === 'POST /charges') {
      const roll = this.prng.next();
      if (roll < this.plan.chargeReset) return lost('ECONNRESET before the provider saw it');
      if (roll < this.plan.chargeReset + this.plan.inProgress) return inProgress();
      if (roll < this.plan.chargeReset + this.plan.inProgress + this.plan.appliedLate) {
        return this.applyLate(key, () => this.effect(route, request, key));
      }
    }
    if (route === 'POST /refunds' && this.inOutage() && this.prng.next() < this.plan.appliedLate) {
      return this.applyLate(key, () => this.effect(route, request, key));
    }
    return this.answer(this.effect(route, request, key));
  }

  /** The outage's answer to a payment call, or undefined when it goes through. */
  private paymentFault(request: ProviderRequest): CallOutcome | undefined {
    if (!this.inOutage()) return undefined;
    if (this.prng.next() < this.plan.breakerOpen) {
      return { kind: 'not_sent', reason: 'breaker_open', retryAfterMs: 2_000 };
    }
    // Charges are the forward path's; the outage is the refund side's (and its lookups').
    if (request.method === 'POST' && request.path === '/charges') return undefined;
    const elapsed =
      (this.now() - this.plan.outageStart) / (this.plan.outageEnd - this.plan.outageStart);
    if (elapsed < 0.4) {
      return {
        kind: 'retryable',
        answer: { status: 429, body: {} },
        retryAfterMs: this.plan.retryAfterMs,
        maybeApplied: false,
      };
    }
    if (elapsed < 0.7) {
      return { kind: 'retryable', answer: { status: 503, body: {} }, maybeApplied: true };
    }
    return lost('ECONNRESET');
  }

  private inOutage(): boolean {
    const now = this.now();
    return now >= this.plan.outageStart && now < this.plan.outageEnd;
  }

  /** Received now, applied later; the client hears nothing (it timed out). */
  private applyLate(key: string, apply: () => void): CallOutcome {
    const applyAt = this.now() + this.prng.int(1_000, 60_000);
    this.pending.set(key, { applyAt, apply });
    return lost('timeout: the provider had not answered');
  }

  private settlePending(): void {
    for (const [key, pending] of this.pending) {
      if (pending.applyAt > this.now()) continue;
      this.pending.delete(key);
      pending.apply();
    }
  }

  private answer(stored: Stored): CallOutcome {
    return stored.status < 300
      ? ok(stored.status, stored.body)
      : rejected(stored.status, stored.body);
  }

  /** The effect of a write under its key, stored so a re-send gets the same answer. */
  private effect(route: string, request: ProviderRequest, key: string): Stored {
    const id = (prefix: string) => `${prefix}-${this.next++}`;
    let stored: Stored;
    switch (route) {
      case 'POST /orders':
        stored = { status: 201, body: { id: id('o'), totalCents: 1_000, currency: 'USD' } };
        break;
      case 'POST /reservations':
        stored = { status: 201, body: { id: id('r'), status: 'reserved' } };
        break;
      case 'POST /shipments':
        stored =
          this.prng.next() < this.plan.shipmentRefused
            ? { status: 409, body: { error: { reason: 'address_refused' } } }
            : { status: 201, body: { id: id('s'), status: 'created' } };
        break;
      case 'POST /charges': {
        const charge: Charge = {
          id: id('ch'),
          amountCents: Number(request.body?.['amountCents']),
          refundedCents: 0,
          createdBy: request.priority,
        };
        this.charges.set(key, charge);
        stored = { status: 201, body: { id: charge.id } };
        break;
      }
      case 'POST /refunds':
        stored = this.refund(key, String(request.body?.['chargeId']));
        break;
      default:
        stored = { status: 200, body: { ok: true } };
    }
    this.stored.set(key, stored);
    return stored;
  }

  private refund(key: string, chargeId: string): Stored {
    const charge = [...this.charges.values()].find((c) => c.id === chargeId);
    if (!charge) return { status: 404, body: {} };
    if (charge.refundedCents >= charge.amountCents) {
      return { status: 409, body: { error: { reason: 'already_refunded' } } };
    }
    const amountCents = charge.amountCents - charge.refundedCents;
    charge.refundedCents += amountCents;
    this.refunds.push({ key, chargeId, amountCents });
    return { status: 201, body: { id: `re-${this.next++}`, chargeId } };
  }

  private lookup(path: string, key: string): CallOutcome {
    const stored = this.stored.get(key);
    const created = stored && stored.status < 300 ? stored.body : undefined;
    if (path === '/orders') return ok(200, { items: created ? [created] : [] });
    if (!created)
      return rejected(404, { error: { code: 'NOT_FOUND', reason: 'nothing_under_key' } });
    const charge = this.charges.get(key);
    return ok(200, charge ? { ...charge } : created);
  }

  async close(): Promise<void> {}
}
