import { type Logger, type Periodic, startPeriodic } from '@edge/common';
import type { Leadership } from './leader-lease.js';
import type { SagaStore } from './saga-store.js';

/** How often the leader sweeps expired sagas and trims the event stream. */
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 60_000;

export interface SagaHousekeepingOptions {
  store: SagaStore;
  leadership: Leadership;
  /** Trims the OrderConfirmed stream (Redis only); returns entries removed. */
  trimEvents?: () => Promise<number>;
  intervalMs: number;
  log: Logger;
}

/**
 * Retention and stream caps, run by the leader only: one sweeper is enough, and N of them would
 * race over the same index entries for nothing.
 */
export function startSagaHousekeeping(options: SagaHousekeepingOptions): Periodic {
  const { store, leadership, trimEvents, log } = options;
  return startPeriodic(
    options.intervalMs,
    async () => {
      if (!leadership.isLeader()) return;
      const swept = await store.sweepExpired(Date.now());
      const trimmed = trimEvents ? await trimEvents() : 0;
      if (swept > 0 || trimmed > 0) log.info({ swept, trimmed }, 'saga housekeeping');
    },
    (err) => log.warn({ err }, 'saga housekeeping failed'),
  );
}
