/** Numeric breaker state for dashboards: alert on `*_breaker_state > 0`. */
export const BREAKER_STATE_VALUE = Object.freeze({ closed: 0, half_open: 1, open: 2 });
export type BreakerState = keyof typeof BREAKER_STATE_VALUE;

/** The two flags opossum exposes, read as one state. */
export interface BreakerFlags {
  readonly opened: boolean;
  readonly halfOpen: boolean;
}

export function breakerStateOf(breaker: BreakerFlags): BreakerState {
  if (breaker.opened) return 'open';
  return breaker.halfOpen ? 'half_open' : 'closed';
}
