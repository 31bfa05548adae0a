import { createLogger } from '@edge/common';
import { waitUntil } from '@edge/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SagaEngine } from '../src/saga-engine';
import { resolvePolicies } from '../src/saga-policies';
import { SagaWorker } from '../src/saga-worker';
import { ClockedSagaStore } from './clocked-saga-store';
import { InMemoryProviders } from './in-memory-providers';

const log = createLogger({ service: 'saga-test', level: 'silent' });
const input = { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] };

describe('saga worker', () => {
  const workers: SagaWorker[] = [];
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
  });

  it('more due sagas than slots: a freed slot claims the next one without waiting for the poll interval', async () => {
    const store = new ClockedSagaStore(Date.now);
    const providers = new InMemoryProviders();
    // One poll an hour: only the first can happen during this test.
    const policies = resolvePolicies({ maxConcurrentSagas: 2, pollIntervalMs: 3_600_000 });
    const engine = new SagaEngine({ store, providers, policies, log });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await engine.start(`worker-${i}`, input)).saga.id);
    const worker = new SagaWorker({ engine, store, policies, log });
    workers.push(worker);
    worker.start();
    const done = await waitUntil('every saga completed', async () => {
      const sagas = await Promise.all(ids.map((id) => store.get(id)));
      return sagas.every((s) => s?.state.status === 'completed') ? sagas : undefined;
    });
    expect(done).toHaveLength(7);
    expect(providers.countEffects('POST /orders')).toBe(7);
  });

  it('slots taken for sagas being created count toward the limit: a kick with every slot taken drives nothing', async () => {
    const store = new ClockedSagaStore(Date.now);
    const providers = new InMemoryProviders();
    const policies = resolvePolicies({ maxConcurrentSagas: 2, pollIntervalMs: 3_600_000 });
    const engine = new SagaEngine({ store, providers, policies, log });
    const waiting = (await engine.start('slot-waiting', input)).saga;
    const worker = new SagaWorker({ engine, store, policies, log });
    worker.start();
    expect(worker.reserveSlot()).toBeDefined();
    expect(worker.reserveSlot()).toBeDefined();
    expect(worker.reserveSlot()).toBeUndefined();
    worker.kick(waiting.id);
    // stop() waits for every drive in hand: had the kick started one, it would have moved on.
    await worker.stop();
    expect(providers.countEffects('POST /orders')).toBe(0);
    expect((await store.get(waiting.id))?.state).toEqual(waiting.state);
  });

  it('a slot is taken once: adopt drives the saga created with its lease, release gives an unused slot back', async () => {
    const store = new ClockedSagaStore(Date.now);
    const providers = new InMemoryProviders();
    const policies = resolvePolicies({ maxConcurrentSagas: 2, pollIntervalMs: 3_600_000 });
    const engine = new SagaEngine({ store, providers, policies, log });
    const worker = new SagaWorker({ engine, store, policies, log });
    workers.push(worker);
    worker.start();
    const used = worker.reserveSlot();
    const unused = worker.reserveSlot();
    const { saga, claim } = await engine.start('slot-adopted', input, { claim: true });
    if (!claim) throw new Error('created without its lease');
    used?.adopt(claim);
    used?.release();
    unused?.release();
    unused?.release();
    // One slot is the adopted saga's until it ends, one is free: a double release freed no more.
    expect(worker.reserveSlot()).toBeDefined();
    expect(worker.reserveSlot()).toBeUndefined();
    await waitUntil('the adopted saga completed', async () => {
      return (await store.get(saga.id))?.state.status === 'completed';
    });
    expect(providers.countEffects('POST /orders')).toBe(1);
  });
});
