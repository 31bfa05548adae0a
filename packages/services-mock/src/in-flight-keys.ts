/** What `GET /__inflight` answers. */
export interface InFlightSnapshot {
  /** Most requests ever seen at once under one idempotency key (1 = never overlapped). */
  maxConcurrentPerKey: number;
  /** A key that reached that maximum, null before any keyed request. */
  worstKey: string | null;
  /** Keyed requests being served right now. */
  inFlight: number;
}

/**
 * Requests being served per idempotency key on one port. A second request arriving while the
 * first is still being served is answered 409 `request_in_progress`, as Stripe does; the peak
 * overlap is recorded so a test can assert that no key was ever in flight twice at once.
 */
export class InFlightKeys {
  private readonly active = new Map<string, number>();
  private max = 0;
  private worst: string | null = null;

  /** Count a request in; `concurrent` includes it. Call `leave` once it is answered. */
  enter(key: string): { concurrent: number; leave: () => void } {
    const concurrent = (this.active.get(key) ?? 0) + 1;
    this.active.set(key, concurrent);
    if (concurrent > this.max) {
      this.max = concurrent;
      this.worst = key;
    }
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      const remaining = (this.active.get(key) ?? 1) - 1;
      if (remaining <= 0) this.active.delete(key);
      else this.active.set(key, remaining);
    };
    return { concurrent, leave };
  }

  has(key: string): boolean {
    return this.active.has(key);
  }

  snapshot(): InFlightSnapshot {
    let inFlight = 0;
    for (const count of this.active.values()) inFlight += count;
    return { maxConcurrentPerKey: this.max, worstKey: this.worst, inFlight };
  }

  /** Forget the peak; requests still in flight stay counted until they leave. */
  reset(): void {
    this.max = 0;
    this.worst = null;
  }
}
