import type { HourlyUsage } from './usage-store.js';

/** CloudEvents `type` of an hourly partner usage event. */
export const USAGE_EVENT_TYPE = 'com.edge.partner.usage';

/** One CloudEvent (structured JSON mode, spec 1.0), as OpenMeter ingests it. */
export interface UsageEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: typeof USAGE_EVENT_TYPE;
  /** The partner: OpenMeter's subject, the customer a meter bills. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: { keyId: string; hour: string; requests: number; cost: number };
}

/**
 * One event per partner key and hour. The id is the key and the hour, so exporting the same
 * hour twice is deduplicated by the sink (OpenMeter keeps one event per id and source); that is
 * why only closed hours are exported by default. Meter it in OpenMeter with `eventType`
 * `com.edge.partner.usage`, `aggregation: SUM` over `$.requests` or `$.cost`, `groupBy`
 * `keyId: $.keyId`.
 */
export function usageEvents(usage: readonly HourlyUsage[], source: string): UsageEvent[] {
  return usage.map((u) => {
    const hour = new Date(u.hour).toISOString();
    return {
      specversion: '1.0',
      id: `${u.partner}/${u.keyId}/${hour}`,
      source,
      type: USAGE_EVENT_TYPE,
      subject: u.partner,
      time: hour,
      datacontenttype: 'application/json',
      data: { keyId: u.keyId, hour, requests: u.requests, cost: u.cost },
    };
  });
}
