/** Given back exactly once when the call that held a slot is done. */
export type Release = () => void;

export interface CallerShareOptions {
  /** Calls one caller may have in flight at once to this upstream. */
  share: number;
  /** Calls one caller may have waiting for a slot of its share; more are refused at once. */
  queue: number;
  /** Longest wait for a slot; the call is refused when it passes. */
  maxWaitMs: number;
}

/** Why a caller's call got no slot: its queue was full, or it waited `maxWaitMs`. */
export type ShareRefusal = 'queue_full' | 'waited';

export class ShareRefused extends Error {
  constructor(readonly why: ShareRefusal) {
    super(why === 'queue_full' ? 'queue full' : 'waited too long');
    this.name = 'ShareRefused';
  }
}

interface Waiter {
  grant: (release: Release) => void;
  timer: NodeJS.Timeout;
}

interface Holding {
  active: number;
  waiting: Waiter[];
}

/**
 * A semaphore per caller: at most `share` calls of one caller in flight, the next `queue` wait
 * in order for one of its slots, anything more is refused at once. Written here rather than
 * taken from a library because what it needs is small and specific (a key per caller, a bounded
 * queue per key, a wait bounded in time, a synchronous fast path, a map that forgets idle
 * callers); p-limit has none of the per-key parts, and opossum's capacity is one counter.
 * A caller holds an entry only while it has calls in flight or waiting.
 */
export class CallerShares {
  private readonly held = new Map<string, Holding>();

  constructor(private readonly options: CallerShareOptions) {}

  /** A slot now, or undefined when the caller's share is used up (then `wait`). */
  tryTake(caller: string): Release | undefined {
    const holding = this.held.get(caller);
    if (!holding) {
      this.held.set(caller, { active: 1, waiting: [] });
      return this.releaser(caller);
    }
    if (holding.active >= this.options.share) return undefined;
    holding.active++;
    return this.releaser(caller);
  }

  /** A slot of the caller's share, now or once one is given back; rejects with ShareRefused. */
  wait(caller: string): Promise<Release> {
    const now = this.tryTake(caller);
    if (now) return Promise.resolve(now);
    const holding = this.held.get(caller) as Holding;
    if (holding.waiting.length >= this.options.queue) {
      return Promise.reject(new ShareRefused('queue_full'));
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const at = holding.waiting.indexOf(waiter);
          if (at >= 0) holding.waiting.splice(at, 1);
          reject(new ShareRefused('waited'));
        }, this.options.maxWaitMs),
      };
      holding.waiting.push(waiter);
    });
  }

  /** Callers holding or waiting for a slot now (for tests and leak checks). */
  get callers(): number {
    return this.held.size;
  }

  private releaser(caller: string): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const holding = this.held.get(caller);
      if (!holding) return;
      const next = holding.waiting.shift();
      if (next) {
        // The slot passes straight to the next waiter: `active` stays as it is.
        clearTimeout(next.timer);
        next.grant(this.releaser(caller));
        return;
      }
      holding.active--;
      if (holding.active === 0) this.held.delete(caller);
    };
  }
}
