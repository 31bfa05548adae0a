/** Calls in flight on one port right now, and the most there were at once since the last reset. */
export interface Concurrency {
  inFlight: number;
  maxInFlight: number;
}

/**
 * Calls per route key (`GET /products/:id`) on one port since the last reset, and how many were
 * in flight at once. A call is in flight from its arrival until its response closes, whether it
 * was answered or abandoned by the caller (an aborted socket closes the response), so
 * `maxInFlight` is the bound a caller's concurrency limit promises, seen from the service.
 */
export class CallCounter {
  private readonly counts = new Map<string, number>();
  private inFlight = 0;
  private maxInFlight = 0;

  increment(routeKey: string): void {
    this.counts.set(routeKey, (this.counts.get(routeKey) ?? 0) + 1);
  }

  /** One call arrived; the returned function marks it over (idempotent). */
  enter(): () => void {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight -= 1;
    };
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  concurrency(): Concurrency {
    return { inFlight: this.inFlight, maxInFlight: this.maxInFlight };
  }

  /** Counts restart; calls still in flight stay counted as in flight. */
  reset(): void {
    this.counts.clear();
    this.maxInFlight = this.inFlight;
  }
}
