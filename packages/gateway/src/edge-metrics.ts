import { Counter, Histogram, type Registry } from '@edge/common';

/** Distinct operation names kept per surface before the rest count as `__other`. */
export const DEFAULT_MAX_OPERATION_NAMES = 100;
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
  maxOperationNames = DEFAULT_MAX_OPERATION_NAMES,
): EdgeMetrics {
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
  const seen = new Map<string, Set<string>>();
  /** A name is kept once an answer under it succeeded: refused requests cannot claim the slots. */
  const bounded = ({ surface, operation, code }: EdgeOutcome): string => {
    let names = seen.get(surface);
    if (!names) {
      names = new Set();
      seen.set(surface, names);
    }
    if (names.has(operation)) return operation;
    if (code !== 'OK' || names.size >= maxOperationNames || !LABELLED_NAME.test(operation)) {
      return '__other';
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
