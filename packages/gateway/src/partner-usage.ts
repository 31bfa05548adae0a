import { createLogThrottle, type Logger } from '@edge/common';
import { type HourlyUsage, hourOf, type UsageStore } from '@edge/contracts';
import type { EdgeMetrics } from './edge-metrics.js';

/** How often counted partner usage is added to the store. */
export const DEFAULT_PARTNER_USAGE_FLUSH_MS = 1000;

export interface PartnerUsageMeter {
  /** Stop the interval and write what was counted since the last flush. */
  close(): Promise<void>;
}

/**
 * Partner usage for billing: requests (operations, as the rate limiter counts them) and GraphQL
 * cost per partner, key and hour, for every request the edge served (`OK`; refusals and 429s
 * are not billed). Counted in memory on the metrics hook the edge already calls, and added to
 * the store every `flushMs` in one write per instance: no store call on the request path. A
 * failed flush keeps its counts for the next one, so an outage delays usage, it does not lose
 * it (a crash loses at most one interval).
 */
export function withPartnerUsage(
  metrics: EdgeMetrics,
  store: UsageStore,
  log: Logger,
  flushMs = DEFAULT_PARTNER_USAGE_FLUSH_MS,
): EdgeMetrics & PartnerUsageMeter {
  let pending = new Map<string, HourlyUsage>();
  const throttle = createLogThrottle(log);
  const flush = async () => {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      await store.add(batch);
    } catch (err) {
      throttle.warn({ err: (err as Error).message }, 'partner usage not recorded yet');
      for (const u of batch) count(u.partner, u.keyId, u.hour, u.requests, u.cost);
    }
  };
  const count = (partner: string, keyId: string, hour: number, requests: number, cost: number) => {
    const key = `${hour}|${keyId}`;
    const row = pending.get(key);
    if (row) {
      row.requests += requests;
      row.cost += cost;
    } else pending.set(key, { partner, keyId, hour, requests, cost });
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  return {
    observe(outcome) {
      metrics.observe(outcome);
      const p = outcome.partner;
      if (p && outcome.code === 'OK') count(p.id, p.keyId, hourOf(Date.now()), p.requests, p.cost);
    },
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
