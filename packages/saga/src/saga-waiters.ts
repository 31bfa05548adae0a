import type { Saga } from './saga.js';

/**
 * API requests waiting for a saga to change (`?waitMs=`). The engine in this process tells them
 * of every persisted transition at once; a saga driven by another process is seen by the
 * caller's own poll, which `next` bounds.
 */
export class SagaWaiters {
  private readonly waiting = new Map<string, Set<(saga?: Saga) => void>>();

  /** A transition of `saga` was written: wake whoever waits for it. */
  notify(saga: Saga): void {
    const waiters = this.waiting.get(saga.id);
    if (!waiters) return;
    this.waiting.delete(saga.id);
    for (const wake of waiters) wake(saga);
  }

  /** The saga after its next transition in this process, or undefined after `timeoutMs`. */
  next(sagaId: string, timeoutMs: number): Promise<Saga | undefined> {
    return new Promise((resolve) => {
      let waiters = this.waiting.get(sagaId);
      if (!waiters) {
        waiters = new Set();
        this.waiting.set(sagaId, waiters);
      }
      const set = waiters;
      const wake = (saga?: Saga) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiting.get(sagaId) === set) this.waiting.delete(sagaId);
        resolve(saga);
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }
}
