import type { Logger, Periodic } from '@edge/common';
import { startPeriodic } from '@edge/common';
import { compareIds } from '@edge/order-events';
import type { EventLog } from './event-log';

export const DEFAULT_TRIM_OPTIONS = Object.freeze({
  intervalMs: 60_000,
  /** Processed events stay this long (for audits and rebuilds); default 24 h. */
  retentionMs: 24 * 3600_000,
});

export interface StreamTrimmerOptions {
  log: EventLog;
  /** Every group reading the stream: the slowest one decides. */
  groups: readonly string[];
  logger: Logger;
  /** This process, as the holder of the monitor lease (one trimmer at a time). */
  owner: string;
  intervalMs?: number;
  retentionMs?: number;
}

/**
 * Caps the order stream above the slowest group's backlog: below the lowest id some group has
 * not finished (`safeTrimPoint`) and older than the retention. The saga's XADD stays uncapped,
 * so a consumer outage of any length never loses an event; it only grows the stream, which
 * `events_consumer_lag` and its alert make visible.
 */
export function startStreamTrimmer(options: StreamTrimmerOptions): Periodic {
  const intervalMs = options.intervalMs ?? DEFAULT_TRIM_OPTIONS.intervalMs;
  const retentionMs = options.retentionMs ?? DEFAULT_TRIM_OPTIONS.retentionMs;
  const { log, groups, logger, owner } = options;
  return startPeriodic(
    intervalMs,
    async () => {
      if (!(await log.holdLease('trim', owner, intervalMs * 3))) return;
      const safe = await log.safeTrimPoint(groups);
      const retained = `${Date.now() - retentionMs}-0`;
      const point = compareIds(safe, retained) < 0 ? safe : retained;
      const trimmed = await log.trimBelow(point);
      if (trimmed > 0) logger.info({ trimmed, below: point }, 'order stream trimmed');
    },
    (err) => logger.warn({ err }, 'order stream trim failed'),
  );
}
