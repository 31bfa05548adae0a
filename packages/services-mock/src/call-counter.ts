/** Calls per route key (`GET /products/:id`) on one port since the last reset. */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  increment(routeKey: string): void {
    this.counts.set(routeKey, (this.counts.get(routeKey) ?? 0) + 1);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.counts.clear();
  }
}
