import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodedLine, ORDER_EVENT_VERSION, orderEventId } from '@edge/order-events';
import { waitUntil } from '@edge/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from './consumer-fixture';

let world: ConsumerWorld | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('consumers without Redis (embedded log over the saga file store)', () => {
  it('emails each order once, dead-letters a poison event while the next flows, replays it, and resumes after a restart without resending', async () => {
    world = await startConsumerWorld();
    const w = world;
    dataDir = await mkdtemp(join(tmpdir(), 'consumers-embedded-'));
    // Where the saga's file store appends its events in this data dir.
    const file = join(dataDir, 'saga', 'events', 'order-events.jsonl');
    await mkdir(dirname(file), { recursive: true });
    const publish = (n: number) =>
      appendFile(
        file,
        encodedLine({
          id: orderEventId(`sg-embedded-${n}`, 'OrderConfirmed'),
          type: 'OrderConfirmed',
          version: ORDER_EVENT_VERSION,
          occurredAt: new Date().toISOString(),
          data: {
            sagaId: `sg-embedded-${n}`,
            orderId: `o-test-${n}`,
            userId: 'u-2',
            partnerId: null,
            items: [{ productId: 'p-2', quantity: 1 }],
            totalCents: 1000,
            currency: 'USD',
          },
        }),
      );
    const embedded = { STORE_MODE: 'memory', DATA_DIR: dataDir };
    const viewer = { authorization: `Bearer ${await w.operatorToken('viewer')}` };
    const operator = { authorization: `Bearer ${await w.operatorToken('operator')}` };
    let proc = await w.startConsumers('fulfilment,fraud,notification', embedded);
    let base = `http://127.0.0.1:${String(proc.ready['port'])}`;
    await fetch(`${w.mock.urls.notification}/__faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A definite refusal (4xx), as often as the default tries it (5): then the dead letters.
      body: JSON.stringify({ route: 'POST /emails', mode: 'error', status: 400, calls: 5 }),
    });
    await publish(1);
    const dead = await waitUntil(
      'the dead letter',
      async () => {
        const body = (await (
          await fetch(`${base}/dead-letters/notification`, { headers: viewer })
        ).json()) as {
          items: { id: string; deliveries: number }[];
        };
        return body.items[0];
      },
      30_000,
    );
    expect(dead.deliveries).toBe(5);
    await publish(2);
    await waitUntil(
      'the next email',
      async () => ((await w.outbox()).some((e) => e.orderId === 'o-test-2') ? true : undefined),
      15_000,
    );
    const replay = await fetch(`${base}/dead-letters/notification/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...operator },
      // Named twice, replayed once: the outbox below holds o-test-1 once.
      body: JSON.stringify({ ids: [dead.id, dead.id] }),
    });
    expect(((await replay.json()) as { replayed: string[] }).replayed).toEqual([dead.id]);
    await waitUntil(
      'the replayed email',
      async () => ((await w.outbox()).some((e) => e.orderId === 'o-test-1') ? true : undefined),
      15_000,
    );

    await proc.stop();
    proc = await w.startConsumers('fulfilment,fraud,notification', embedded);
    base = `http://127.0.0.1:${String(proc.ready['port'])}`;
    await publish(3);
    await waitUntil(
      'the email after the restart',
      async () => ((await w.outbox()).some((e) => e.orderId === 'o-test-3') ? true : undefined),
      15_000,
    );
    const orders = (await w.outbox()).map((e) => e.orderId).sort();
    expect(orders).toEqual(['o-test-1', 'o-test-2', 'o-test-3']);
    await waitUntil(
      'nothing unprocessed',
      async () => {
        const now = (await (await fetch(`${base}/groups`, { headers: viewer })).json()) as {
          groups: { lag: number; dlqDepth: number }[];
        };
        return now.groups.every((g) => g.lag === 0 && g.dlqDepth === 0) ? true : undefined;
      },
      10_000,
    );
  });
});
