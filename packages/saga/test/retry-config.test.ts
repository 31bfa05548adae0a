import { describe, expect, it } from 'vitest';
import { loadSagaConfig } from '../src/config';
import { DEFAULT_SAGA_POLICIES, resolvePolicies } from '../src/saga-policies';

describe('retry configuration', () => {
  it('defaults: compensations retry for 24 h, forward steps for 10 s, no attempt cap', () => {
    expect(DEFAULT_SAGA_POLICIES.compensation.horizonMs).toBe(24 * 60 * 60_000);
    expect(DEFAULT_SAGA_POLICIES.forward.horizonMs).toBe(10_000);
    expect(Object.keys(DEFAULT_SAGA_POLICIES.compensation)).not.toContain('maxAttempts');
  });

  it('horizons are configurable per class and per step', () => {
    const config = loadSagaConfig({
      SAGA_COMPENSATION_HORIZON_MS: '3600000',
      SAGA_STEP_HORIZONS: 'refund_payment=172800000, cancel_shipment=60000',
    });
    const policies = resolvePolicies(config.policies);
    expect(policies.compensation.horizonMs).toBe(3_600_000);
    expect(policies.stepHorizonMs).toEqual({
      refund_payment: 172_800_000,
      cancel_shipment: 60_000,
    });
  });

  it('removed attempt caps and budgets are refused with what replaced them', () => {
    expect(() => loadSagaConfig({ SAGA_COMPENSATION_MAX_ATTEMPTS: '100' })).toThrow(
      /SAGA_COMPENSATION_MAX_ATTEMPTS was removed: steps retry on a time horizon/,
    );
    expect(() => loadSagaConfig({ SAGA_FORWARD_BUDGET_MS: '1000' })).toThrow(
      /SAGA_FORWARD_BUDGET_MS was removed: renamed SAGA_FORWARD_HORIZON_MS/,
    );
  });

  it('a step horizon naming an unknown step or a bad duration is refused', () => {
    expect(() => loadSagaConfig({ SAGA_STEP_HORIZONS: 'refund=1000' })).toThrow(
      /SAGA_STEP_HORIZONS: expected step=ms pairs/,
    );
    expect(() => loadSagaConfig({ SAGA_STEP_HORIZONS: 'refund_payment=soon' })).toThrow(
      /SAGA_STEP_HORIZONS/,
    );
  });
});
