import { AppError, ErrorCode } from '@edge/common';
import type { RateLimitClass } from './defaults.js';

/**
 * Requests one caller may have in flight at one gateway. The rate limits count requests per
 * minute, not at once: within them, one user's burst of expensive requests held every upstream
 * slot of a BFF (other users got UPSTREAM_UNAVAILABLE), its CPU, or buffered answers it never
 * read. Per process on purpose: it bounds what one caller holds here, where the cost is paid.
 */
export interface InFlightLimit {
  /**
   * Take `slots` slots for `key` (all or none); the returned function gives them back (once).
   * Over: 429. A batch takes one per operation, since each is its own call to the BFF.
   */
  enter(cls: RateLimitClass, key: string, slots?: number): () => void;
}

export function createInFlightLimit(
  limits: Readonly<Record<RateLimitClass, number>>,
): InFlightLimit {
  const held = new Map<string, number>();
  return {
    enter(cls, key, slots = 1) {
      const slot = `${cls}\u0000${key}`;
      const now = held.get(slot) ?? 0;
      const max = limits[cls];
      if (now + slots > max) {
        throw new AppError(ErrorCode.RATE_LIMITED, `More than ${max} requests in flight`, {
          headers: { 'retry-after': '1' },
          details: { limit: 'in_flight', max, retryAfterS: 1 },
        });
      }
      held.set(slot, now + slots);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const remaining = (held.get(slot) ?? slots) - slots;
        if (remaining > 0) held.set(slot, remaining);
        else held.delete(slot);
      };
    },
  };
}
