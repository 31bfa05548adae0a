import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { waitUntil } from '@edge/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from './consumer-fixture';
import { runConsumerOutage } from './consumer-outage';

let world: ConsumerWorld | undefined;

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * `npm run -s cli -- <args>` (scripts/run.mjs, the bundled CLI) against one consumers process,
 * with `token` as OPERATOR_TOKEN (none: the variable unset).
 */
function cli(
  consumersUrl: string,
  args: string[],
  token: string | undefined,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { OPERATOR_TOKEN: _ours, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/run.mjs', 'cli', ...args],
      {
        cwd: ROOT,
        env: { ...env, CONSUMERS_URL: consumersUrl, ...(token ? { OPERATOR_TOKEN: token } : {}) },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const countBy = (items: { orderId: string }[]) => {
  const counts = new Map<string, number>();
  for (const { orderId } of items) counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
  return counts;
};

describe('order event consumers as real processes', () => {
  it('kill -9 a consumer mid-batch: another instance of its group processes what it held, each email once', async () => {
    world = await startConsumerWorld();
    const w = world;
    // Slow emails, so the first instance is killed with its read delivered but unacknowledged.
    await fetch(`${w.mock.urls.notification}/__faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'POST /emails', mode: 'latency', latencyMs: 3000 }),
    });
    const total = 20;
    for (let i = 1; i <= total; i++) await w.publishConfirmed(i);
    const first = await w.startConsumers('notification');
    // Killed once it holds entries it read and has not acknowledged (its calls take 3 s): a
    // state, not the first email's arrival, which with every call of a read started at once
    // could come when the whole read was already acknowledged.
    const pending = async () =>
      ((await w.redis.xpending(w.stream, 'notification').catch(() => [0])) as [number])[0];
    // (The group does not exist until the instance has started: no entries held yet.)
    await waitUntil(
      'entries held by the first instance',
      async () => ((await pending()) > 0 ? true : undefined),
      30_000,
    );
    await first.kill();
    expect(await pending()).toBeGreaterThan(0);
    await fetch(`${w.mock.urls.notification}/__faults`, { method: 'DELETE' });
    const second = await w.startConsumers('notification');
    // The default claim idle time (30 s) passes, then the survivor claims the dead one's entries.
    const outbox = await waitUntil(
      'every email',
      async () => {
        const items = await w.outbox();
        return items.length >= total ? items : undefined;
      },
      90_000,
    );
    const counts = countBy(outbox);
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Entries the dead consumer had delivered (their emails sent, not yet acknowledged) stay
    // pending under its name until they are idle for the claim time (30 s) and the survivor
    // claims and acknowledges them: wait for that state, not a fixed share of it.
    await waitUntil(
      'nothing left unprocessed',
      async () =>
        (await w.metric(second, 'events_consumer_lag', 'notification')) === 0 ? true : undefined,
      60_000,
    );
  });

  it('a poison event lands in the dead letters with an alert, the next events still flow, and a replay after the fix sends it once; the alerting process lost, the next one resolves the page', async () => {
    world = await startConsumerWorld();
    const w = world;
    const proc = await w.startConsumers('notification');
    const base = `http://127.0.0.1:${String(proc.ready['port'])}`;
    const viewer = await w.operatorToken('viewer');
    const operator = await w.operatorToken('operator');
    // The provider definitely refuses (a 4xx) exactly as many tries as the default allows (5).
    await fetch(`${w.mock.urls.notification}/__faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'POST /emails', mode: 'error', status: 400, calls: 5 }),
    });
    await w.publishConfirmed(1);
    const dead = await waitUntil(
      'a dead letter',
      async () => {
        const res = await fetch(`${base}/dead-letters/notification`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        const body = (await res.json()) as {
          items: { id: string; error: string; deliveries: number }[];
        };
        return body.items.length > 0 ? body.items : undefined;
      },
      30_000,
    );
    expect(dead[0]?.deliveries).toBe(5);
    expect(dead[0]?.error).toContain('answered 400');
    await waitUntil(
      'the dead-letter alert',
      async () =>
        w.alerts.received
          .map((r) => r.body)
          .find(
            (a) =>
              a['alert'] === 'events_consumer_dead_letters' &&
              a['state'] === 'firing' &&
              a['group'] === 'notification',
          ),
      15_000,
    );
    await w.publishConfirmed(2);
    await w.publishConfirmed(3);
    await waitUntil(
      'the next emails',
      async () => ((await w.outbox()).length === 2 ? true : undefined),
      15_000,
    );
    expect(await w.metric(proc, 'events_consumer_dlq_depth', 'notification')).toBe(1);

    const refused = await fetch(`${base}/dead-letters/notification/replay`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${operator}` },
      body: '{"all":true}',
    });
    expect(refused.status).toBe(415);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    // The operator's way: the CLI lists the dead letter and replays it once the cause is gone,
    // with the operator token it sends to the saga (OPERATOR_TOKEN or --token).
    const anonymous = await cli(base, ['events', 'dead-letters', 'notification'], undefined);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain('operator token');
    const listed = await cli(base, ['events', 'dead-letters', 'notification', '--json'], viewer);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout.trim()).id).toBe(dead[0]?.id);
    const misuse = await cli(base, ['events', 'replay', 'notification'], operator);
    expect(misuse.code).toBe(2);
    const viewerReplay = await cli(base, ['events', 'replay', 'notification', '--all'], viewer);
    expect(viewerReplay.code).toBe(1);
    expect(viewerReplay.stderr).toContain('FORBIDDEN');
    // The process that fired the alert is lost (it held the monitor lease: it was alone); the
    // next holder must resolve the page, not leave it open, nor fire it a second time.
    const successor = await w.startConsumers('notification');
    await proc.kill();
    const killedAt = Date.now();
    const replayed = await cli(
      `http://127.0.0.1:${String(successor.ready['port'])}`,
      ['events', 'replay', 'notification', '--all', '--token', operator],
      undefined,
    );
    expect(replayed.code).toBe(0);
    expect(replayed.stdout.trim()).toBe(dead[0]?.id);
    const outbox = await waitUntil(
      'the replayed email',
      async () => {
        const items = await w.outbox();
        return items.length === 3 ? items : undefined;
      },
      15_000,
    );
    expect([...countBy(outbox).values()]).toEqual([1, 1, 1]);
    await waitUntil(
      'dead letters empty and the alert resolved',
      async () =>
        w.alerts.received
          .map((r) => r.body)
          .find((a) => a['alert'] === 'events_consumer_dead_letters' && a['state'] === 'resolved'),
      15_000,
    );
    const pages = w.alerts.received.filter(
      (r) => r.body['alert'] === 'events_consumer_dead_letters',
    );
    const firedAt = pages[0]?.at ?? 0;
    // (A page still firing repeats after the default minute: that one would be right.)
    const refired = pages.filter(
      (p) => p.body['state'] === 'firing' && p.at > killedAt && p.at - firedAt < 60_000,
    );
    expect(refired).toEqual([]);
    expect(pages.filter((p) => p.body['state'] === 'resolved')).toHaveLength(1);
  });

  it('a 16 s provider outage in every shape a provider fails (refused, 503, 429 with Retry-After, applied but answered late; warehouse and user service too) with the default settings, orders confirmed and cancelled throughout: no dead letter, each email and pick list once, cancels applied after their confirms', async () => {
    world = await startConsumerWorld();
    // Three times the old budget (5 deliveries 1 s apart) that dead-lettered everything in
    // flight. The same run for minutes, with an instance killed halfway, is
    // `npm run -s outage -- consumers --minutes 10` (docs/operations.md).
    const report = await runConsumerOutage(world, {
      outageMs: 16_000,
      orders: 10,
      retryAfterS: 2,
      replaceMidway: false,
    });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ emails: 11, pickLists: 10, cancelledPickLists: 1 });
  });

  it('every instance of one group stopped: its no-live-consumer alert fires while the other groups keep consuming', async () => {
    world = await startConsumerWorld();
    const w = world;
    const others = await w.startConsumers('fulfilment,fraud');
    const notification = await w.startConsumers('notification');
    await w.publishConfirmed(1);
    await waitUntil(
      'the first email',
      async () => ((await w.outbox()).length === 1 ? true : undefined),
      15_000,
    );
    await notification.kill();
    const alert = await waitUntil(
      'the no-live-consumer alert',
      async () =>
        w.alerts.received
          .map((r) => r.body)
          .find(
            (a) => a['alert'] === 'events_consumer_no_live_consumer' && a['state'] === 'firing',
          ),
      30_000,
    );
    expect(alert['group']).toBe('notification');
    expect(
      w.alerts.received
        .map((r) => r.body)
        .some((a) => a['group'] !== 'notification' && a['state'] === 'firing'),
    ).toBe(false);
    // The producer and the other groups are unaffected: a new order gets its pick list.
    await w.publishConfirmed(2);
    await waitUntil(
      'the pick list of the new order',
      async () => {
        const res = await fetch(`${w.mock.urls.inventory}/__pick-lists`);
        const { items } = (await res.json()) as { items: { orderId: string }[] };
        return items.some((i) => i.orderId === 'o-test-2') ? true : undefined;
      },
      15_000,
    );
    await waitUntil(
      'the notification backlog visible',
      async () =>
        ((await w.metric(others, 'events_consumer_lag', 'notification')) ?? 0) >= 1
          ? true
          : undefined,
      15_000,
    );
    expect(await w.metric(others, 'events_consumers_live', 'notification')).toBe(0);
  });
});
