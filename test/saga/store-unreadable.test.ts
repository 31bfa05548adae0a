/**
 * The saga store stops answering (its redis-server is SIGSTOPped: connections stay open, nothing
 * comes back, as from a hung host). The gauges keep their last healthy values and no leader can
 * be elected, so the in-process alerts alone would say nothing: the orchestrator must export how
 * old its measurements are and page `saga_store_unreadable` itself, with shipped defaults.
 */
import { Redis } from '@edge/common';
import { DEFAULT_STORE_UNREADABLE_AFTER_MS } from '@edge/saga';
import type { ServicesMock } from '@edge/services-mock';
import { type PrivateRedis, startPrivateRedis } from '@edge/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultsEnv,
  type Orchestrator,
  spawnOrchestrator,
  startMock,
  startWebhookReceiver,
  type WebhookReceiver,
  waitUntil,
} from './saga-harness';

const CHECKS = [
  'saga_dlq_depth',
  'saga_compensation_pending_too_long',
  'saga_reconciliation_drift',
];

/** `saga_alert_check_last_success_timestamp_seconds` per check, from one scrape. */
async function lastSuccess(orchestrator: Orchestrator): Promise<Record<string, number>> {
  const text = await (await request(`${orchestrator.url}/metrics`)).body.text();
  const seconds: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match =
      /^saga_alert_check_last_success_timestamp_seconds\{.*check="([^"]+)".*\} (\S+)$/.exec(line);
    if (match?.[1] !== undefined) seconds[match[1]] = Number(match[2]);
  }
  return seconds;
}

const alertsIn = (webhook: WebhookReceiver, state: string) =>
  webhook.received.filter(
    (r) => r.body['alert'] === 'saga_store_unreadable' && r.body['state'] === state,
  );

describe('saga store unreadable', () => {
  let mock: ServicesMock;
  let redis: PrivateRedis;
  let webhook: WebhookReceiver;
  let orchestrator: Orchestrator;
  let other: Orchestrator;

  beforeAll(async () => {
    mock = await startMock();
    redis = await startPrivateRedis();
    webhook = await startWebhookReceiver();
    const env = defaultsEnv(mock, 'saga:', {
      REDIS_URL: redis.url,
      ALERT_WEBHOOK_URL: webhook.url,
    });
    [orchestrator, other] = await Promise.all([spawnOrchestrator(env), spawnOrchestrator(env)]);
  });

  afterAll(async () => {
    redis?.resume();
    await other?.stop();
    await orchestrator?.stop();
    await redis?.kill();
    await webhook?.close();
    await mock?.close();
  });

  it('exports when each check last read the store, and pages once from two orchestrators until it answers again', async () => {
    const healthy = await waitUntil(
      'every check to succeed once',
      async () => {
        const seconds = await lastSuccess(orchestrator);
        return CHECKS.every((c) => (seconds[c] ?? 0) > 0) ? seconds : undefined;
      },
      20_000,
    );
    // A leader, and both processes' checks read the store after it was elected.
    const client = new Redis(redis.url);
    const elected = await waitUntil(
      'a leader',
      async () => ((await client.get('saga:{saga}:leader')) ? Date.now() : undefined),
      30_000,
    );
    for (const process of [orchestrator, other]) {
      await waitUntil(
        'checks after the election',
        async () => {
          const seconds = await lastSuccess(process);
          return CHECKS.every((c) => (seconds[c] ?? 0) * 1000 > elected) ? true : undefined;
        },
        20_000,
      );
    }
    client.disconnect();
    expect(Object.keys(healthy).sort()).toEqual([...CHECKS].sort());
    expect(alertsIn(webhook, 'firing')).toEqual([]);

    redis.pause();
    const firing = await waitUntil(
      'the store-unreadable alert',
      async () => alertsIn(webhook, 'firing')[0],
      DEFAULT_STORE_UNREADABLE_AFTER_MS + 30_000,
    );
    const firedAt = Date.parse(String(firing.body['at']));
    expect(firing.body).toMatchObject({ service: 'saga', checks: expect.any(Array) });
    expect(firing.body['secondsSinceSuccess']).toBeGreaterThanOrEqual(
      DEFAULT_STORE_UNREADABLE_AFTER_MS / 1000,
    );
    // What Prometheus reads: no process read the store after it stopped, and the one that paged
    // (the two evaluate on timers of their own, so either may have read last) had measurements
    // at least the threshold old.
    const stale = await Promise.all([lastSuccess(orchestrator), lastSuccess(other)]);
    for (const check of CHECKS) {
      const readAt = stale.map((seconds) => (seconds[check] ?? 0) * 1000);
      expect(Math.max(...readAt), check).toBeLessThan(firedAt);
      expect(Math.min(...readAt), check).toBeLessThanOrEqual(
        firedAt - DEFAULT_STORE_UNREADABLE_AFTER_MS,
      );
    }

    redis.resume();
    await waitUntil('the alert to resolve', async () => alertsIn(webhook, 'resolved')[0], 30_000);
    const after = await waitUntil(
      'every check to succeed again',
      async () => {
        const seconds = await lastSuccess(orchestrator);
        return CHECKS.every((c) => (seconds[c] ?? 0) * 1000 > firedAt) ? seconds : undefined;
      },
      30_000,
    );
    expect(Object.keys(after).sort()).toEqual([...CHECKS].sort());
    // Both watchdogs saw the same outage; only the process that led then paged.
    expect(alertsIn(webhook, 'firing')).toHaveLength(1);
    expect(alertsIn(webhook, 'resolved')).toHaveLength(1);
  });
});
