import { createLogger } from '@edge/common';
import { describe, expect, it } from 'vitest';
import type { CallOutcome, ProviderClient, ProviderRequest } from '../src/provider-client';
import { SagaEngine } from '../src/saga-engine';
import { resolvePolicies } from '../src/saga-policies';
import type { Lease } from '../src/saga-store';
import { LeaseLostError } from '../src/saga-store';
import { toSagaView } from '../src/saga-view';
import { ClockedSagaStore } from './clocked-saga-store';

const log = createLogger({ service: 'saga-test', level: 'silent' });
const input = { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] };

/** A store that loses every lease at its first renewal, as when another worker took over. */
class LosingStore extends ClockedSagaStore {
  override async renewLease(_lease: Lease, _ttlMs: number): Promise<boolean> {
    return false;
  }
}

/** A store whose renewals never answer, as over a half-open connection to Redis. */
class SilentStore extends ClockedSagaStore {
  override renewLease(_lease: Lease, _ttlMs: number): Promise<boolean> {
    return new Promise(() => {});
  }
}

/** A provider whose calls hang until they are aborted; records whether they were. */
class HangingProvider implements ProviderClient {
  aborted = 0;
  async call(request: ProviderRequest): Promise<CallOutcome> {
    await new Promise<void>((resolve) =>
      request.signal?.addEventListener('abort', () => resolve()),
    );
    this.aborted++;
    return { kind: 'retryable', answer: { error: 'AbortError' }, maybeApplied: true };
  }
  async close(): Promise<void> {}
}

/** Answers what the script says, and succeeds every other call. */
class ScriptedProvider implements ProviderClient {
  constructor(private readonly failing: (request: ProviderRequest) => CallOutcome | undefined) {}
  async call(request: ProviderRequest): Promise<CallOutcome> {
    const scripted = this.failing(request);
    if (scripted) return scripted;
    const body =
      request.path === '/orders'
        ? { id: 'o-1', totalCents: 500, currency: 'USD' }
        : { id: `${request.provider}-1` };
    return { kind: 'ok', answer: { status: 201, body } };
  }
  async close(): Promise<void> {}
}

describe('engine: leases held across a call', () => {
  it('a worker that loses its lease mid-call aborts the call and writes nothing more', async () => {
    const store = new LosingStore(Date.now);
    const providers = new HangingProvider();
    const policies = resolvePolicies({
      leaseTtlMs: 300,
      forward: { timeoutMs: 100 },
      compensation: { timeoutMs: 100 },
    });
    const engine = new SagaEngine({ store, providers, policies, log });
    const { saga } = await engine.start('lease-loss', input);
    await expect(engine.drive(saga.id)).rejects.toBeInstanceOf(LeaseLostError);
    expect(providers.aborted).toBe(1);
    const stored = await store.get(saga.id);
    // The start is on record, the outcome is not: the next holder re-runs the step.
    expect(stored?.history.at(-1)?.type).toBe('step_started');
  });
});

describe('engine: a lease nobody confirms', () => {
  it('renewals that never answer abort the call before the lease could pass to another worker', async () => {
    const store = new SilentStore(Date.now);
    const providers = new HangingProvider();
    // Aborted at about two thirds of it: a second of slack for a loaded machine's timers.
    const leaseTtlMs = 3_000;
    const policies = resolvePolicies({
      leaseTtlMs,
      forward: { timeoutMs: 100 },
      compensation: { timeoutMs: 100 },
    });
    const engine = new SagaEngine({ store, providers, policies, log });
    const { saga } = await engine.start('lease-silent', input);
    const started = performance.now();
    await expect(engine.drive(saga.id)).rejects.toBeInstanceOf(LeaseLostError);
    // Aborted by the worker's own deadline, before the lease it could not renew expired.
    expect(providers.aborted).toBe(1);
    expect(performance.now() - started).toBeLessThan(leaseTtlMs);
    expect((await store.get(saga.id))?.history.at(-1)?.type).toBe('step_started');
  });
});

describe('engine: a Retry-After beyond the horizon parks the step', () => {
  it('records step_parked, shows parkedUntil, and never dead-letters for it', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => clock;
    const store = new ClockedSagaStore(now);
    const refundsThrottled = { value: true };
    const providers = new ScriptedProvider((request) => {
      if (request.path === '/shipments')
        return { kind: 'rejected', answer: { status: 409, body: {} } };
      if (request.path === '/refunds' && refundsThrottled.value) {
        return {
          kind: 'retryable',
          answer: { status: 429, body: {} },
          retryAfterMs: 2 * 60 * 60_000,
          maybeApplied: false,
        };
      }
      return undefined;
    });
    const policies = resolvePolicies({ stepHorizonMs: { refund_payment: 60 * 60_000 } });
    const engine = new SagaEngine({ store, providers, policies, log, now, random: () => 0 });
    const { saga } = await engine.start('parked', input);
    await engine.drive(saga.id);
    const parked = await store.get(saga.id);
    if (!parked) throw new Error('saga vanished');
    expect(parked.state.status).toBe('compensating');
    expect(parked.history.at(-1)).toMatchObject({ type: 'step_parked', step: 'refund_payment' });
    expect(toSagaView(parked).parkedUntil).toBe(new Date(clock + 2 * 60 * 60_000).toISOString());

    refundsThrottled.value = false;
    clock = parked.dueAt ?? clock;
    await engine.drive(saga.id);
    const done = await store.get(saga.id);
    expect(done?.state.status).toBe('compensated');
    expect(done ? toSagaView(done).parkedUntil : 'missing').toBeUndefined();
  });

  it('a parked saga is not stuck however long it waits, and an operator replay tries the step at once', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const now = () => clock;
    const store = new ClockedSagaStore(now);
    const refundsThrottled = { value: true };
    let refunds = 0;
    const providers = new ScriptedProvider((request) => {
      if (request.path === '/shipments')
        return { kind: 'rejected', answer: { status: 409, body: {} } };
      if (request.path === '/refunds') {
        if (refundsThrottled.value) {
          return {
            kind: 'retryable',
            answer: { status: 429, body: {} },
            retryAfterMs: 24 * 60 * 60_000,
            maybeApplied: false,
          };
        }
        refunds++;
      }
      return undefined;
    });
    const engine = new SagaEngine({ store, providers, policies: resolvePolicies(), log, now });
    const { saga } = await engine.start('parked-replayed', input);
    await engine.drive(saga.id);
    // An hour into a day-long park: waiting as told, not stuck.
    clock += 60 * 60_000;
    const parked = await store.get(saga.id);
    if (!parked) throw new Error('saga vanished');
    expect(toSagaView(parked).parkedUntil).toBeDefined();
    expect(engine.isStuck(parked)).toBe(false);

    refundsThrottled.value = false;
    const replayed = await engine.replay(saga.id, 'ops@example.com', 'provider is back');
    expect(toSagaView(replayed).parkedUntil).toBeUndefined();
    await engine.drive(saga.id);
    const done = await store.get(saga.id);
    expect(done?.state.status).toBe('compensated');
    expect(refunds).toBe(1);
  });
});

describe('engine: a replayed compensation keeps its cause', () => {
  it('a refund dead-lettered on a 422 and replayed compensates for the shipment refusal, not the 422', async () => {
    const store = new ClockedSagaStore(() => Date.now());
    let refundRefused = true;
    const providers = new ScriptedProvider((request) => {
      if (request.path === '/shipments')
        return { kind: 'rejected', answer: { status: 409, body: {} } };
      if (request.path === '/refunds' && refundRefused)
        return { kind: 'rejected', answer: { status: 422, body: {} } };
      return undefined;
    });
    const engine = new SagaEngine({ store, providers, policies: resolvePolicies(), log });
    const { saga } = await engine.start('replayed-refund', input);
    await engine.drive(saga.id);
    const dead = await store.get(saga.id);
    expect(dead?.state.status).toBe('dead_lettered');
    const cause = dead?.history.find((e) => e.type === 'compensation_required');
    expect(cause && 'reason' in cause ? cause.reason : '').toMatch(/create_shipment/);

    refundRefused = false;
    await engine.replay(saga.id, 'ops@example.com', 'provider fixed');
    await engine.drive(saga.id);
    const done = await store.get(saga.id);
    expect(done?.state).toMatchObject({ status: 'compensated' });
    expect(done && 'reason' in done.state ? done.state.reason : '').toMatch(/create_shipment/);
  });
});
