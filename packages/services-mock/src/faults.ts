import type { FaultMode, FaultSpec } from './types.js';

/** Defaults for the optional fields of a fault. */
export const DEFAULT_FAULT_LATENCY_MS = 1000;
export const DEFAULT_FAULT_STATUS = 503;
export const DEFAULT_FAULT_RETRY_AFTER_S = 1;
export const DEFAULT_FAULT_RATE_PER_SEC = 100;

/** A fault resolved for one call: what the wrapper must do instead of (or before) serving it. */
export type AppliedFault =
  | { id: string; mode: 'latency'; latencyMs: number }
  | { id: string; mode: 'error'; status: number }
  | { id: string; mode: '429'; retryAfterS: number }
  | { id: string; mode: 'down' }
  | { id: string; mode: 'in_progress' }
  | { id: string; mode: 'applied_late'; latencyMs: number };

/** A `rate_limit` rule's token bucket: one second of calls, refilled at the published rate. */
interface RateLimiter {
  ratePerSec: number;
  tokens: number;
  updatedAt: number;
}

interface FaultRule {
  id: string;
  route: string | undefined;
  fault: AppliedFault;
  /** Set for `rate_limit`: the rule applies (as a 429) only to calls beyond the rate. */
  limiter: RateLimiter | undefined;
  /** Calls still to affect; undefined = unbounded. */
  remaining: number | undefined;
  /** Clock time after which the rule is dead; undefined = never. */
  expiresAt: number | undefined;
}

/**
 * For a `rate_limit` rule, take a token when there is one: the call is within the published
 * rate and the rule does not apply to it. Other rules always apply.
 */
function withinRate(rule: FaultRule, now: number): boolean {
  const limiter = rule.limiter;
  if (!limiter) return false;
  const elapsedS = Math.max(0, now - limiter.updatedAt) / 1000;
  limiter.tokens = Math.min(limiter.ratePerSec, limiter.tokens + elapsedS * limiter.ratePerSec);
  limiter.updatedAt = now;
  if (limiter.tokens < 1) return false;
  limiter.tokens -= 1;
  return true;
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
    case 'rate_limit':
      // Refused calls are answered as a 429; `take` sets the Retry-After of each.
      return { id, mode: '429', retryAfterS: DEFAULT_FAULT_RETRY_AFTER_S };
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
      limiter:
        spec.mode === 'rate_limit'
          ? {
              ratePerSec: spec.ratePerSec ?? DEFAULT_FAULT_RATE_PER_SEC,
              tokens: spec.ratePerSec ?? DEFAULT_FAULT_RATE_PER_SEC,
              updatedAt: this.now(),
            }
          : undefined,
      remaining: spec.calls,
      expiresAt: spec.durationMs === undefined ? undefined : this.now() + spec.durationMs,
    });
    return id;
  }

  /** The fault for this call, if any; rules are tried in the order they were added. */
  take(routeKey: string): AppliedFault | undefined {
    const now = this.now();
    this.rules = this.rules.filter((r) => r.expiresAt === undefined || now < r.expiresAt);
    const rule = this.rules.find(
      (r) => (r.route === undefined || r.route === routeKey) && !withinRate(r, now),
    );
    if (!rule) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    if (rule.limiter && rule.fault.mode === '429') {
      const waitS = Math.ceil((1 - rule.limiter.tokens) / rule.limiter.ratePerSec);
      return { ...rule.fault, retryAfterS: Math.max(1, waitS) };
    }
    return rule.fault;
  }

  clear(): void {
    this.rules = [];
  }
}
