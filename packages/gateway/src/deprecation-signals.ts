import { Counter, type Registry } from '@edge/common';
import { LRUCache } from 'lru-cache';
import type { Deprecation } from './deprecation.js';

/** When a deprecated field was (or will be) deprecated, and when it goes; both optional. */
export interface FieldSchedule {
  deprecatedAt?: Date;
  sunsetAt?: Date;
}

/** What an answer carries when its operations select deprecated fields. */
export interface DeprecationSignal {
  headers: Record<string, string>;
  /** `extensions.deprecations`: the `Type.field` coordinates, sorted. */
  fields: readonly string[];
}

export interface DeprecationSignalOptions {
  /** Dates per `Type.field` (FIELD_DEPRECATIONS); a field without one still signals. */
  schedule: Readonly<Record<string, FieldSchedule>>;
  /** Client names a metric label may carry (registered clients); others count as `other`. */
  knownClient(name: string): boolean;
  registry: Registry;
}

/** Distinct sets of deprecated fields whose headers are remembered. */
const SIGNAL_CACHE_SIZE = 1000;

const httpDate = (at: Date) => at.toUTCString();
const unixSeconds = (at: Date) => `@${Math.floor(at.getTime() / 1000)}`;
const earliest = (dates: (Date | undefined)[]) =>
  dates.reduce<Date | undefined>((min, d) => (d && (!min || d < min) ? d : min), undefined);

/**
 * Deprecation signals for answers that served data to operations selecting `@deprecated` fields
 * (an answer that ran nothing, such as a refusal of bad variables, used no field): `Deprecation`
 * (RFC 9745, the earliest date among the fields and the surface's own) and, where a removal date
 * is configured, `Sunset` (RFC 8594, the earliest), plus `extensions.deprecations`. The fields come
 * from the validation verdict (computed once per document); the headers are computed once per
 * distinct set of fields. A field with no configured date is dated from when this process first
 * saw it deprecated: the header must carry a date, and that one is at least never in the future.
 * Per-client use goes to `edge_deprecated_field_requests_total{surface,field,client}`: fields
 * come from the schema and clients from the registry, so the series stay bounded.
 */
export function createDeprecationSignals(options: DeprecationSignalOptions) {
  const uses = new Counter({
    name: 'edge_deprecated_field_requests_total',
    help: 'Answers with data to operations selecting a @deprecated field, by surface, field and client',
    labelNames: ['surface', 'field', 'client'] as const,
    registers: [options.registry],
  });
  const firstSeen = new Map<string, Date>();
  const dateOf = (field: string) => {
    const configured = options.schedule[field]?.deprecatedAt;
    if (configured) return configured;
    let seen = firstSeen.get(field);
    if (!seen) {
      seen = new Date();
      firstSeen.set(field, seen);
    }
    return seen;
  };
  /**
   * One surface's signals; `version` is the surface's own deprecation (a partner API version),
   * merged into the same headers.
   */
  const forSurface = (surface: string, version: Deprecation | undefined) => {
    const signals = new LRUCache<string, DeprecationSignal>({ max: SIGNAL_CACHE_SIZE });
    const signalOf = (fields: readonly string[]): DeprecationSignal => {
      const key = fields.join(',');
      let signal = signals.get(key);
      if (!signal) {
        const deprecatedAt = earliest([...fields.map(dateOf), version?.deprecatedAt]);
        const sunsetAt = earliest([
          ...fields.map((f) => options.schedule[f]?.sunsetAt),
          version?.sunsetAt,
        ]);
        const headers: Record<string, string> = {};
        if (deprecatedAt) headers['deprecation'] = unixSeconds(deprecatedAt);
        if (sunsetAt) headers['sunset'] = httpDate(sunsetAt);
        signal = { headers, fields };
        signals.set(key, signal);
      }
      return signal;
    };
    /** The signal for the fields an answer's operations select; undefined when there are none. */
    return (fields: readonly string[], client: string | undefined) => {
      if (fields.length === 0) return undefined;
      const distinct = fields.length === 1 ? fields : [...new Set(fields)].sort();
      const label = client !== undefined && options.knownClient(client) ? client : 'other';
      for (const field of distinct) uses.inc({ surface, field, client: label });
      return signalOf(distinct);
    };
  };
  return { forSurface };
}

/** Headers and extension for the deprecated fields one answer selects (see forSurface). */
export type DeprecationSignaller = (
  fields: readonly string[],
  client: string | undefined,
) => DeprecationSignal | undefined;
