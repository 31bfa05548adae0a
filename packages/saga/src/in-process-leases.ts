import type { Lease } from './saga-store.js';

/**
 * Fenced leases kept in one process's memory, for a store that only one process uses: each new
 * lease takes the next fencing token, and a lease holds while its token is the saga's latest and
 * it has not expired by the clock. After a restart nobody holds one, which is right for such a
 * store because the only process that could have held them is gone.
 */
export class InProcessLeases {
  private readonly held = new Map<string, { token: number; expiresAt: number }>();
  private fence = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A new lease, or undefined while another one has not expired. */
  acquire(sagaId: string, owner: string, ttlMs: number): Lease | undefined {
    const now = this.now();
    if (this.leasedAt(sagaId, now)) return undefined;
    const token = ++this.fence;
    this.held.set(sagaId, { token, expiresAt: now + ttlMs });
    return { sagaId, owner, token };
  }

  holds(lease: Lease): boolean {
    const held = this.held.get(lease.sagaId);
    return held !== undefined && held.token === lease.token && held.expiresAt > this.now();
  }

  /** Moves the expiry of the saga's lease, if one is still kept, to `ttlMs` from now. */
  extend(sagaId: string, ttlMs: number): void {
    const held = this.held.get(sagaId);
    if (held) held.expiresAt = this.now() + ttlMs;
  }

  drop(sagaId: string): void {
    this.held.delete(sagaId);
  }

  /** Whether an unexpired lease is held at `now`. */
  leasedAt(sagaId: string, now: number): boolean {
    const held = this.held.get(sagaId);
    return held !== undefined && held.expiresAt > now;
  }

  /** Whether any lease is kept for the saga, expired or not (released ones are dropped). */
  kept(sagaId: string): boolean {
    return this.held.has(sagaId);
  }

  /** When the saga's kept lease expires, or undefined when none is kept. */
  expiresAt(sagaId: string): number | undefined {
    return this.held.get(sagaId)?.expiresAt;
  }
}
