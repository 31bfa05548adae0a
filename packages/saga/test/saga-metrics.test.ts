import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAlertChannel,
  createLogger,
  createMetrics,
  DEFAULT_LOG_THROTTLE_MS,
} from '@edge/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { breakerStateReporter } from '../src/breaker-state-reporter';
import { loadSagaConfig } from '../src/config';
import { DlqAlertCheck } from '../src/dlq-alerts';
import { PROVIDERS } from '../src/provider-client';
import { createSagaMetrics } from '../src/saga-metrics';
import { DEFAULT_BREAKER_POLICY } from '../src/saga-policies';
import { createSagaProviders } from '../src/saga-providers';

const silent = () => createLogger({ service: 'saga-test', level: 'silent' });

async function breakerGauge(metrics: ReturnType<typeof createSagaMetrics>) {
  const { values } = await metrics.breakerState.get();
  return Object.fromEntries(values.map((v) => [v.labels.provider, v.value]));
}

describe('saga metrics', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("every provider's breaker state is on /metrics from the start, closed (0), before any change", async () => {
    const metrics = createSagaMetrics(createMetrics('saga-test').registry);
    const { close } = createSagaProviders({
      config: loadSagaConfig({}),
      breaker: DEFAULT_BREAKER_POLICY,
      shared: false,
      metrics,
      log: silent(),
    });
    await close();
    expect(await breakerGauge(metrics)).toEqual(Object.fromEntries(PROVIDERS.map((p) => [p, 0])));
  });

  it('a flapping breaker logs its first change at once and then one line a window with the count; the gauge follows every change', async () => {
    vi.useFakeTimers();
    const log = silent();
    const warn = vi.spyOn(log, 'warn');
    const metrics = createSagaMetrics(createMetrics('saga-test').registry);
    const report = breakerStateReporter(metrics, log);
    // 74 changes in the window, as in the outage the operator saw, then another provider's first.
    for (let i = 0; i < 74; i++) report('payment', i % 2 === 0 ? 'open' : 'half_open');
    report('inventory', 'open');
    expect(warn.mock.calls).toEqual([
      [{ provider: 'payment', state: 'open' }, 'breaker state changed'],
      [{ provider: 'inventory', state: 'open' }, 'breaker state changed'],
    ]);
    expect(await breakerGauge(metrics)).toMatchObject({ payment: 1, inventory: 2 });
    vi.advanceTimersByTime(DEFAULT_LOG_THROTTLE_MS);
    expect(warn.mock.calls.slice(2)).toEqual([
      [
        {
          provider: 'payment',
          state: 'half_open',
          repeated: 73,
          windowMs: DEFAULT_LOG_THROTTLE_MS,
        },
        'breaker state changed',
      ],
    ]);
  });

  it('the DLQ alert is counted in saga_alerts_total like every other alert', async () => {
    const { registry } = createMetrics('saga-test');
    const metrics = createSagaMetrics(registry);
    const check = new DlqAlertCheck({
      store: { dlqStats: async () => ({ depth: 3, oldestAt: null }) } as never,
      metrics,
      log: silent(),
      channel: { send: async () => true },
      repeatMs: 60_000,
      threshold: 1,
    });
    await check.evaluate(0, true);
    expect((await metrics.alerts.get()).values).toEqual([
      expect.objectContaining({
        labels: { alert: 'saga_dlq_depth', state: 'firing', result: 'ok' },
        value: 1,
      }),
    ]);
    expect(registry.getSingleMetric('saga_dlq_alerts_total')).toBeUndefined();
  });

  it('a notification the webhook refuses counts as failed, and the retry that lands as ok', async () => {
    let status = 503;
    const webhook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status).end());
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const { port } = webhook.address() as AddressInfo;
    const log = silent();
    const metrics = createSagaMetrics(createMetrics('saga-test').registry);
    const check = new DlqAlertCheck({
      store: { dlqStats: async () => ({ depth: 1, oldestAt: null }) } as never,
      metrics,
      log,
      channel: createAlertChannel({ webhookUrl: `http://127.0.0.1:${port}/alerts`, log }),
      repeatMs: 60_000,
      threshold: 1,
    });
    const counted = async () =>
      Object.fromEntries(
        (await metrics.alerts.get()).values.map((v) => [String(v.labels.result), v.value]),
      );
    await check.evaluate(0, true);
    await check.evaluate(1_000, true);
    expect(await counted()).toEqual({ failed: 2 });
    status = 204;
    await check.evaluate(2_000, true);
    // Delivered: no more notifications until the repeat interval.
    await check.evaluate(3_000, true);
    expect(await counted()).toEqual({ failed: 2, ok: 1 });
    await new Promise((resolve) => webhook.close(resolve));
  });
});
