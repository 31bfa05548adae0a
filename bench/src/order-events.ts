// Order event consumers benchmark (not a test): events per second each consumer group drains
// from a backlog, and latency from saga completion to the confirmation email in the outbox
// (p50/p99) at a steady order rate. One consumers process per group with default settings, as
// deployed; services-mock in this process. An event is appended the way the saga appends it on
// completion (one XADD of the envelope, `occurredAt` = that moment), so "saga completion" here
// is the XADD; the email's `sentAt` is when services-mock accepted it.
// Usage: node_modules/.bin/tsx bench/src/order-events.ts [--backlog 2000] [--rate 50] [--seconds 20]
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REDIS_URL, Redis } from '@edge/common';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { startServicesMock } from '../../packages/services-mock/src/index';

const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
  },
});
const BACKLOG = Number(values.backlog);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const GROUPS = ['fulfilment', 'fraud', 'notification'] as const;
const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;
const ROOT = join(import.meta.dirname, '..', '..');

const redis = new Redis(REDIS_URL);
const tag = randomUUID();
const stream = `bench-events:${tag}:{orders}:events:order`;
let serial = 0;

function confirmed(): string[] {
  const n = ++serial;
  const event = {
    id: `bench-${tag}-${n}:OrderConfirmed`,
    type: 'OrderConfirmed',
    version: 1,
    occurredAt: new Date().toISOString(),
    data: {
      sagaId: `bench-${n}`,
      orderId: `o-bench-${n}`,
      userId: `u-${(n % 300) + 1}`,
      partnerId: null,
      items: [{ productId: `p-${(n % 400) + 1}`, quantity: 1 + (n % 3) }],
      // Every tenth order is over the fraud threshold, so fraud publishes OrderFlagged too.
      totalCents: n % 10 === 0 ? 250_000 : 4_200,
      currency: 'USD',
    },
  };
  return ['event', JSON.stringify(event)];
}

async function lagOf(url: string): Promise<Record<string, number>> {
  const body = (await (await fetch(`${url}/groups`)).json()) as {
    groups: { group: string; lag: number }[];
  };
  return Object.fromEntries(body.groups.map((g) => [g.group, g.lag]));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const mock = await startServicesMock({ logLevel: 'warn' });
const processes: ManagedProcess[] = [];
try {
  for (const group of GROUPS) {
    processes.push(
      await spawnService({
        name: `consumers-${group}`,
        entry: join(ROOT, 'packages/consumers/src/main.ts'),
        cwd: ROOT,
        env: {
          REDIS_URL,
          STORE_MODE: 'redis',
          PORT: '0',
          // The ready line is logged at info.
          LOG_LEVEL: 'info',
          ORDER_EVENTS_STREAM: stream,
          CONSUMER_GROUPS: group,
          INVENTORY_SERVICE_URL: mock.urls.inventory,
          USER_SERVICE_URL: mock.urls.user,
          NOTIFICATION_SERVICE_URL: mock.urls.notification,
        },
        readyMessage: 'consumers ready',
      }),
    );
  }
  const url = `http://127.0.0.1:${String(processes[0]?.ready['port'])}`;

  // 1. Throughput: a backlog appended at once, each group drains it on its own.
  const pipeline = redis.pipeline();
  for (let i = 0; i < BACKLOG; i++) pipeline.xadd(stream, '*', ...confirmed());
  const started = performance.now();
  await pipeline.exec();
  const drained = new Map<string, number>();
  while (drained.size < GROUPS.length) {
    const lag = await lagOf(url);
    for (const group of GROUPS) {
      if (!drained.has(group) && lag[group] === 0) drained.set(group, performance.now() - started);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // Fraud's OrderFlagged events (one per tenth order) are read by every group too.
  const flagged = Math.floor(BACKLOG / 10);
  console.log(
    `backlog of ${BACKLOG} OrderConfirmed (+${flagged} OrderFlagged published by fraud):`,
  );
  for (const group of GROUPS) {
    const ms = drained.get(group) ?? Number.NaN;
    console.log(
      `  ${group.padEnd(13)} drained in ${(ms / 1000).toFixed(2)} s = ${((BACKLOG / ms) * 1000).toFixed(0)} OrderConfirmed/s`,
    );
  }

  // 2. Latency at a steady rate: saga completion (XADD) to the email in the outbox.
  mock.reset();
  const total = RATE * SECONDS;
  const interval = 1000 / RATE;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await redis.xadd(stream, '*', ...confirmed());
  }
  let emails: { sentAt: string; fields: { occurredAt?: string } }[] = [];
  while (emails.length < total) {
    await new Promise((r) => setTimeout(r, 200));
    const body = (await (await fetch(`${mock.urls.notification}/__outbox`)).json()) as {
      items: typeof emails;
    };
    emails = body.items;
  }
  const latencies = emails
    .map((e) => Date.parse(e.sentAt) - Date.parse(e.fields.occurredAt ?? ''))
    .sort((a, b) => a - b);
  console.log(
    `steady ${RATE} orders/s for ${SECONDS} s: saga completion -> email in outbox p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms (${latencies.length} emails, each once)`,
  );
} finally {
  for (const proc of processes) await proc.stop();
  await mock.close();
  const keys = await redis.keys(`bench-events:${tag}:*`);
  if (keys.length > 0) await redis.unlink(...keys);
  await redis.quit();
}
