import { describe, expect, it } from 'vitest';
import type { CallOutcome, ProviderClient } from '../src/provider-client';
import { Reconciler, ReconciliationReadError } from '../src/reconciler';
import { ClockedSagaStore } from './clocked-saga-store';

/** Payment held back by pacing for a minute (a 429's Retry-After), as every worker sees it. */
class PausedPayment implements ProviderClient {
  calls = 0;
  async call(): Promise<CallOutcome> {
    this.calls++;
    return { kind: 'not_sent', reason: 'paced', retryAfterMs: 60_000 };
  }
  async close(): Promise<void> {}
}

describe('reconciliation while a provider is paused', () => {
  it('fails at once with the pause as its Retry-After, instead of holding the request until the pause ends', async () => {
    const providers = new PausedPayment();
    const reconciler = new Reconciler({ store: new ClockedSagaStore(Date.now), providers });
    const failure = await reconciler.run().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ReconciliationReadError);
    expect((failure as ReconciliationReadError).retryAfterMs).toBe(60_000);
    // One ask per provider list, no waiting: the pause is longer than a read may wait in all
    // (before, each read asked 21 times, waiting up to 5 s between, for up to 100 s).
    expect(providers.calls).toBeLessThanOrEqual(3);
  });
});

/** Every provider paused by pacing until `until`, then answering empty lists. */
class PausedUntil implements ProviderClient {
  calls = 0;
  constructor(private readonly until: number) {}
  async call(request: { path: string }): Promise<CallOutcome> {
    this.calls++;
    const left = this.until - Date.now();
    if (left > 0) return { kind: 'not_sent', reason: 'paced', retryAfterMs: left };
    const body =
      request.path === '/__ledger' ? { orders: {} } : { reservations: [], shipments: [] };
    return { kind: 'ok', answer: { status: 200, body } };
  }
  async close(): Promise<void> {}
}

describe('the scheduled reconciliation while a provider is paused', () => {
  it('waits the pause out within its budget and reports, instead of failing on the local refusal', async () => {
    // A payment 429 paused every call for 30 s: each scheduled run failed on its ledger read.
    const providers = new PausedUntil(Date.now() + 2_500);
    const reconciler = new Reconciler({ store: new ClockedSagaStore(Date.now), providers });
    const report = await reconciler.run(Date.now(), { pacedWaitMs: 5_000 });
    expect(report.findings).toEqual([]);
    expect(providers.calls).toBeLessThanOrEqual(12);
  });

  it('still fails, with the pause as its Retry-After, when the pause outlasts the budget', async () => {
    const providers = new PausedUntil(Date.now() + 60_000);
    const reconciler = new Reconciler({ store: new ClockedSagaStore(Date.now), providers });
    const failure = await reconciler.run(Date.now(), { pacedWaitMs: 1_000 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ReconciliationReadError);
  });
});
