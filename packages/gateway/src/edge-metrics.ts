import { Counter, Histogram, type Registry } from '@edge/common';

export const DEFAULT_EDGE_METRICS_OPTIONS = Object.freeze({
  /** Distinct operation names kept per surface before the rest count as `__other`. */
  maxOperationNames: 100,
  /**
   * Names one caller may add to a surface's set: with none, one signed-in user sending 100 junk
   * names took every slot for the life of the process and blinded each per-operation dashboard
   * (an attacker review's finding); now that takes 20 accounts, racing the real clients' names.
   */
  maxNamesPerCaller: 5,
});

export interface EdgeMetricsOptions {
  maxOperationNames?: number;
  maxNamesPerCaller?: number;
}
/**
 * A GraphQL name of at most 64 characters: a client chooses the name, and a label is repeated
 * on every bucket line of every scrape (a 120 KB name made /metrics 15 MB after ten requests).
 */
const LABELLED_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** What one request through a surface came to, once it is answered or refused. */
export interface EdgeOutcome {
  surface: string;
  /** The operation name the client sent (one operation); `batch` or `anonymous` otherwise. */
  operation: string;
  /** Who sent it (limit class and id), once known: whose quota a new name is taken from. */
  caller?: string;
  /** `OK`, or the code the edge answered with (`RATE_LIMITED`, `UNAUTHENTICATED`, ...). */
  code: string;
  seconds: number;
  /** A partner request: who, with which key, the operations it ran and their GraphQL cost. */
  partner?: { id: string; keyId: string; requests: number; cost: number };
}

export interface EdgeMetrics {
  observe(outcome: EdgeOutcome): void;
}

/**
 * Per-surface request metrics with labels a dashboard can group by: operation name (bounded,
 * because clients choose it and every name is a new series), answer code, refusals by reason,
 * and partner usage (requests and cost per partner, for billing dashboards and abuse).
 */
export function createEdgeMetrics(
  registry: Registry,
  options: EdgeMetricsOptions = {},
): EdgeMetrics {
  const { maxOperationNames, maxNamesPerCaller } = { ...DEFAULT_EDGE_METRICS_OPTIONS, ...options };
  const duration = new Histogram({
    name: 'edge_request_duration_seconds',
    help: 'GraphQL requests through the edge by surface, operation (bounded) and answer code',
    labelNames: ['surface', 'operation', 'code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'edge_refusals_total',
    help: 'Requests the edge answered with an error code, by surface and reason (the code)',
    labelNames: ['surface', 'reason'] as const,
    registers: [registry],
  });
  const partnerRequests = new Counter({
    name: 'edge_partner_requests_total',
    help: 'Partner requests answered, by partner',
    labelNames: ['partner'] as const,
    registers: [registry],
  });
  const partnerCost = new Counter({
    name: 'edge_partner_cost_total',
    help: 'GraphQL cost charged to partners, by partner',
    labelNames: ['partner'] as const,
    registers: [registry],
  });
  const seen = new Map<string, { names: Set<string>; addedBy: Map<string, number> }>();
  /**
   * A name is kept once an answer under it succeeded (refused requests cannot claim the slots),
   * within its caller's quota. The quota map holds only callers that added a name: at most
   * `maxOperationNames` entries per surface.
   */
  const bounded = ({ surface, operation, code, caller }: EdgeOutcome): string => {
    let kept = seen.get(surface);
    if (!kept) {
      kept = { names: new Set(), addedBy: new Map() };
      seen.set(surface, kept);
    }
    const { names, addedBy } = kept;
    if (names.has(operation)) return operation;
    if (code !== 'OK' || names.size >= maxOperationNames || !LABELLED_NAME.test(operation)) {
      return '__other';
    }
    if (caller !== undefined) {
      const added = addedBy.get(caller) ?? 0;
      if (added >= maxNamesPerCaller) return '__other';
      addedBy.set(caller, added + 1);
    }
    names.add(operation);
    return operation;
  };

  return {
    observe(outcome) {
      const operation = bounded(outcome);
      duration.observe(
        { surface: outcome.surface, operation, code: outcome.code },
        outcome.seconds,
      );
      if (outcome.code !== 'OK') refusals.inc({ surface: outcome.surface, reason: outcome.code });
      if (outcome.partner) {
        partnerRequests.inc({ partner: outcome.partner.id });
        if (outcome.partner.cost > 0)
          partnerCost.inc({ partner: outcome.partner.id }, outcome.partner.cost);
      }
    },
  };
}
