import type { FaultMode, FaultSpec } from './types';

/** Defaults for the optional fields of a fault. */
export const DEFAULT_FAULT_LATENCY_MS = 1000;
export const DEFAULT_FAULT_STATUS = 503;
export const DEFAULT_FAULT_RETRY_AFTER_S = 1;

/** A fault resolved for one call: what the wrapper must do instead of (or before) serving it. */
export type AppliedFault =
  | { id: string; mode: 'latency'; latencyMs: number }
  | { id: string; mode: 'error'; status: number }
  | { id: string; mode: '429'; retryAfterS: number }
  | { id: string; mode: 'down' }
  | { id: string; mode: 'in_progress' }
  | { id: string; mode: 'applied_late'; latencyMs: number };

interface FaultRule {
  id: string;
  route: string | undefined;
  fault: AppliedFault;
  /** Calls still to affect; undefined = unbounded. */
  remaining: number | undefined;
  /** Clock time after which the rule is dead; undefined = never. */
  expiresAt: number | undefined;
}

function resolve(id: string, spec: FaultSpec): AppliedFault {
  const mode: FaultMode = spec.mode;
  switch (mode) {
    case 'latency':
      return { id, mode, latencyMs: spec.latencyMs ?? DEFAULT_FAULT_LATENCY_MS };
    case 'error':
      return { id, mode, status: spec.status ?? DEFAULT_FAULT_STATUS };
    case '429':
      return { id, mode, retryAfterS: spec.retryAfterS ?? DEFAULT_FAULT_RETRY_AFTER_S };
    case 'down':
    case 'in_progress':
      return { id, mode };
    case 'applied_late':
      return { id, mode, latencyMs: spec.latencyMs ?? DEFAULT_FAULT_LATENCY_MS };
    default: {
      const unknown: never = mode;
      throw new Error(`Unknown fault mode ${String(unknown)}`);
    }
  }
}

/**
 * The fault rules of one port. `take` decides and consumes in one synchronous step, so a rule
 * for N calls affects exactly N calls however many requests arrive at once: Node runs this
 * without interleaving, and the caller must invoke it before its first await.
 */
export class FaultRegistry {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  add(spec: FaultSpec): string {
    const id = `f-${this.nextId++}`;
    this.rules.push({
      id,
      route: spec.route,
      fault: resolve(id, spec),
      remaining: spec.calls,
      expiresAt: spec.durationMs === undefined ? undefined : this.now() + spec.durationMs,
    });
    return id;
  }

  /** The fault for this call, if any; rules are tried in the order they were added. */
  take(routeKey: string): AppliedFault | undefined {
    const now = this.now();
    this.rules = this.rules.filter((r) => r.expiresAt === undefined || now < r.expiresAt);
    const rule = this.rules.find((r) => r.route === undefined || r.route === routeKey);
    if (!rule) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }
}
