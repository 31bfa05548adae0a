import { describe, expect, it } from 'vitest';
import type { Saga } from '../src/saga';
import { SagaWaiters } from '../src/saga-waiters';

const saga = (id: string, status: 'running' | 'completed'): Saga =>
  ({ id, state: { status } }) as unknown as Saga;

describe('saga waiters', () => {
  it('every request waiting on a saga wakes with its transition, others keep waiting', async () => {
    const waiters = new SagaWaiters();
    const first = waiters.next('sg-1', 60_000);
    const second = waiters.next('sg-1', 60_000);
    const other = waiters.next('sg-2', 10);
    waiters.notify(saga('sg-1', 'completed'));
    expect((await first)?.state.status).toBe('completed');
    expect((await second)?.state.status).toBe('completed');
    // sg-2 saw no transition: its wait ends with nothing, and the caller reads the store.
    expect(await other).toBeUndefined();
  });

  it('a transition nobody waits for is dropped, and a finished wait leaves nothing behind', async () => {
    const waiters = new SagaWaiters();
    waiters.notify(saga('sg-3', 'running'));
    await waiters.next('sg-3', 1);
    const later = waiters.next('sg-3', 60_000);
    waiters.notify(saga('sg-3', 'running'));
    expect((await later)?.id).toBe('sg-3');
    expect((waiters as unknown as { waiting: Map<string, unknown> }).waiting.size).toBe(0);
  });
});
