import type { Logger } from '@edge/common';
import type { SagaEngine } from './saga-engine.js';
import type { SagaPolicies } from './saga-policies.js';
import { type Claim, LeaseLostError, type SagaStore } from './saga-store.js';

/**
 * A slot taken for a saga about to be created with its lease: `adopt` drives it there, `release`
 * gives the slot back if nothing was claimed (the key already had a saga, or the create failed).
 */
export interface SagaSlot {
  adopt(claim: Claim): void;
  release(): void;
}

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
  /** Slots taken for sagas being created with their lease, not yet in flight. */
  private reserved = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private polling: Promise<void> | undefined;
  /** The last poll filled every free slot: more sagas may be due, so a freed slot polls at once. */
  private moreDue = false;
  /** A slot freed while a poll was running: poll again as soon as it ends. */
  private pollAgain = false;

  constructor(private readonly options: SagaWorkerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.wake(), delayMs);
  }

  /** Poll now, or right after the poll in progress; one poll at a time. */
  private wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.polling = this.poll()
      .catch((err: unknown) => this.options.log.warn({ err }, 'saga poll failed'))
      .finally(() => {
        this.polling = undefined;
        const again = this.pollAgain && this.moreDue;
        this.pollAgain = false;
        if (again) this.wake();
        else this.schedule(this.options.policies.pollIntervalMs);
      });
  }

  /** Claim as many due sagas as there is room for, in one store call, and drive them. */
  private async poll(): Promise<void> {
    const { store, engine, policies } = this.options;
    const room = this.freeSlots();
    if (room <= 0) return;
    const claims = await store.claimDue(Date.now(), room, engine.owner, policies.leaseTtlMs);
    this.moreDue = claims.length === room;
    for (const claim of claims) {
      const { sagaId } = claim.lease;
      // Kicked meanwhile: that drive found the lease taken (by this claim) and ends at once;
      // this one goes after it rather than beside it.
      const before = this.inFlight.get(sagaId) ?? Promise.resolve();
      this.track(
        sagaId,
        before.then(() => engine.driveClaimed(claim)),
      );
    }
  }

  private freeSlots(): number {
    return this.options.policies.maxConcurrentSagas - this.inFlight.size - this.reserved;
  }

  /**
   * A slot for a saga this worker's engine is about to create with its lease taken, or undefined
   * when every slot is taken: then the saga is created unleased and waits for a poll. Slots are
   * taken before the create, so creations in flight never drive more than the limit at once.
   */
  reserveSlot(): SagaSlot | undefined {
    if (this.stopped || this.freeSlots() <= 0) return undefined;
    this.reserved++;
    let held = true;
    const giveBack = () => {
      if (!held) return false;
      held = false;
      this.reserved--;
      return true;
    };
    return {
      adopt: (claim) => {
        if (giveBack()) this.track(claim.lease.sagaId, this.options.engine.driveClaimed(claim));
      },
      release: () => {
        giveBack();
      },
    };
  }

  /** Drive one saga now if this worker has room and is not already on it. */
  kick(sagaId: string): void {
    if (this.stopped || this.inFlight.has(sagaId) || this.freeSlots() <= 0) return;
    this.track(sagaId, this.options.engine.drive(sagaId));
  }

  private track(sagaId: string, drive: Promise<unknown>): void {
    const run = drive
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
      .finally(() => {
        if (this.inFlight.get(sagaId) === run) this.inFlight.delete(sagaId);
        if (this.moreDue) this.wake();
      });
    this.inFlight.set(sagaId, run);
  }

  /** Stop polling and let the sagas in hand reach their next write. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // Sagas a running poll claims are driven too, not left to their lease expiry.
    await this.polling;
    await Promise.all(this.inFlight.values());
  }
}
