import type { Logger } from '@edge/common';
import type { SagaEngine } from './saga-engine.js';
import type { SagaPolicies } from './saga-policies.js';
import { LeaseLostError, type SagaStore } from './saga-store.js';

export interface SagaWorkerOptions {
  engine: SagaEngine;
  store: SagaStore;
  policies: SagaPolicies;
  log: Logger;
}

/**
 * Polls the due set (retries whose time has come, and sagas whose lease expired because their
 * worker died) and drives each one it can lease. Several workers may poll one store: the lease
 * decides who drives, the others skip.
 */
export class SagaWorker {
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly options: SagaWorkerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poll()
        .catch((err: unknown) => this.options.log.warn({ err }, 'saga poll failed'))
        .finally(() => this.schedule(this.options.policies.pollIntervalMs));
    }, delayMs);
  }

  private async poll(): Promise<void> {
    const room = this.options.policies.maxConcurrentSagas - this.inFlight.size;
    if (room <= 0) return;
    const ids = await this.options.store.dueIds(Date.now(), room + this.inFlight.size);
    for (const id of ids) {
      if (this.inFlight.size >= this.options.policies.maxConcurrentSagas) break;
      this.kick(id);
    }
  }

  /** Drive one saga now if this worker has room and is not already on it. */
  kick(sagaId: string): void {
    if (this.stopped || this.inFlight.has(sagaId)) return;
    if (this.inFlight.size >= this.options.policies.maxConcurrentSagas) return;
    const run = this.options.engine
      .drive(sagaId)
      .then(() => undefined)
      .catch((err: unknown) => {
        if (err instanceof LeaseLostError) {
          this.options.log.warn({ sagaId }, 'lost a saga lease; another worker took over');
        } else {
          this.options.log.error(
            { err, sagaId },
            'saga drive failed; it resumes when its lease expires',
          );
        }
      })
      .finally(() => this.inFlight.delete(sagaId));
    this.inFlight.set(sagaId, run);
  }

  /** Stop polling and let the sagas in hand reach their next write. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.inFlight.values());
  }
}
