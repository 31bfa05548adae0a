// Provider pacing benchmark (not a test): a backlog of refunds owed after an outage, sent by
// several orchestrator-like workers that share one Redis token bucket, against a payment
// provider that enforces its published limit (services-mock `rate_limit` fault: 429 with
// Retry-After beyond it). Measures how close the drain runs to the configured rate and how many
// 429s the provider had to send, per one-second window.
//
// It drives the pacing layer the orchestrator uses (PacedProviderClient over HttpProviderClient,
// RedisTokenBucket) with workers that behave like the engine: a call paced locally (`not_sent`)
// or answered 429 comes back after its wait plus jitter, and is not an attempt. The saga engine
// itself is measured in saga-throughput.ts.
//
// Usage: node_modules/.bin/tsx bench/src/refund-drain.ts [--backlog 10000] [--rate 200]
//          [--workers 4] [--concurrency 64] [--provider-rate N (default: --rate)]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger, DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { request } from 'undici';
import {
  type CallOutcome,
  DEFAULT_BREAKER_POLICY,
  HttpProviderClient,
  LeasedTokenBucket,
  PacedProviderClient,
  RedisTokenBucket,
  resolveRateLimits,
} from '../../packages/saga/src/index';
import { startServicesMock } from '../../packages/services-mock/src/index';

const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    // The provider's real limit, when it differs from the configured one (a misconfiguration).
    'provider-rate': { type: 'string' },
    workers: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '64' },
  },
});
const BACKLOG = Number(values.backlog);
const RATE = Number(values.rate);
const PROVIDER_RATE = Number(values['provider-rate'] ?? values.rate);
const WORKERS = Number(values.workers);
const CONCURRENCY = Number(values.concurrency);
const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const log = createLogger({ service: 'bench', level: 'warn' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The engine's spread after a wait: a uniform extra of up to half the wait (at least 20 ms). */
const jittered = (waitMs: number) => waitMs + Math.random() * Math.max(20, waitMs / 2);

async function createCharges(paymentUrl: string): Promise<string[]> {
  const ids: string[] = new Array(BACKLOG);
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < BACKLOG) {
        const i = next++;
        const response = await request(`${paymentUrl}/charges`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            idempotencyKey: `drain-charge-${i}`,
            orderId: `o-drain-${i}`,
            amountCents: 1000,
            currency: 'USD',
          }),
        });
        ids[i] = ((await response.body.json()) as { id: string }).id;
      }
    }),
  );
  return ids;
}

async function main(): Promise<void> {
  const mock = await startServicesMock({ logLevel: 'silent' });
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const prefix = `bench:pace:${randomUUID()}:`;
  const chargeIds = await createCharges(mock.urls.payment);
  await request(`${mock.urls.payment}/__faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ route: 'POST /refunds', mode: 'rate_limit', ratePerSec: PROVIDER_RATE }),
  });

  const limits = resolveRateLimits({ payment: { ratePerSec: RATE } });
  const workers = Array.from(
    { length: WORKERS },
    () =>
      new PacedProviderClient({
        inner: new HttpProviderClient({ baseUrls: mock.urls, breaker: DEFAULT_BREAKER_POLICY }),
        buckets: new LeasedTokenBucket({ inner: new RedisTokenBucket({ redis, prefix }) }),
        limits,
        log,
      }),
  );

  const started = performance.now();
  const second = () => Math.floor((performance.now() - started) / 1000);
  const refundedPerSecond: number[] = [];
  const throttledPerSecond: number[] = [];
  const bump = (series: number[]) => {
    const s = second();
    series[s] = (series[s] ?? 0) + 1;
  };
  let paced = 0;
  let next = 0;
  const refundOne = async (client: PacedProviderClient, chargeId: string) => {
    for (;;) {
      const outcome: CallOutcome = await client.call({
        provider: 'payment',
        method: 'POST',
        path: '/refunds',
        body: { idempotencyKey: `drain-refund-${chargeId}`, chargeId },
        timeoutMs: 5_000,
        priority: 'compensation',
      });
      if (outcome.kind === 'ok') return bump(refundedPerSecond);
      if (outcome.kind === 'not_sent') {
        paced++;
        await sleep(jittered(outcome.retryAfterMs));
        continue;
      }
      if (
        outcome.kind === 'retryable' &&
        'status' in outcome.answer &&
        outcome.answer.status === 429
      ) {
        bump(throttledPerSecond);
        await sleep(jittered(outcome.retryAfterMs ?? 1_000));
        continue;
      }
      throw new Error(`refund of ${chargeId} failed: ${JSON.stringify(outcome)}`);
    }
  };
  await Promise.all(
    workers.flatMap((client) =>
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < BACKLOG) {
          const chargeId = chargeIds[next++] ?? '';
          await refundOne(client, chargeId);
        }
      }),
    ),
  );
  const drainS = (performance.now() - started) / 1000;
  const ledger = (await (await request(`${mock.urls.payment}/__ledger`)).body.json()) as {
    totals: { chargedCents: number; refundedCents: number };
  };
  // Whole seconds of the drain, the last (partial) one left out.
  const full = Array.from({ length: Math.floor(drainS) }, (_, s) => refundedPerSecond[s] ?? 0);
  const throttled = Array.from(throttledPerSecond, (n) => n ?? 0);
  const throttledWindows = throttled.filter((n) => n > 0).length;
  const result = {
    backlog: BACKLOG,
    workers: WORKERS,
    concurrencyPerWorker: CONCURRENCY,
    configuredRatePerSecond: RATE,
    providerRatePerSecond: PROVIDER_RATE,
    drainSeconds: Number(drainS.toFixed(2)),
    drainedPerSecond: Math.round(BACKLOG / drainS),
    rateRatio: Number((BACKLOG / drainS / RATE).toFixed(3)),
    minPerFullSecond: Math.min(...full),
    maxPerFullSecond: Math.max(...full),
    provider429s: throttled.reduce((a, b) => a + b, 0),
    windowsWith429: throttledWindows,
    max429sInOneWindow: Math.max(0, ...throttled),
    pacedLocally: paced,
    allRefunded: ledger.totals.refundedCents === ledger.totals.chargedCents,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const worker of workers) await worker.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await mock.close();
}

main().catch((err: unknown) => {
  log.error({ err }, 'refund drain benchmark failed');
  process.exit(1);
});
