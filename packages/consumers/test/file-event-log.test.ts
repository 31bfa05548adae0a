import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  encodedLine,
  listSegments,
  ORDER_EVENT_VERSION,
  ORDER_EVENTS_FILE,
  orderEventId,
  segmentFile,
} from '@edge/order-events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileEventLog } from '../src/file-event-log';

let dir: string;
let base: string;
let stateDir: string;
const logs: FileEventLog[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-event-log-'));
  base = join(dir, 'saga', 'events', ORDER_EVENTS_FILE);
  stateDir = join(dir, 'consumers');
  await mkdir(dirname(base), { recursive: true });
});

afterEach(async () => {
  await Promise.all(logs.splice(0).map((log) => log.close()));
  await rm(dir, { recursive: true, force: true });
});

function openLog(maxLen: number): FileEventLog {
  const log = new FileEventLog({ file: base, stateDir, maxLen, pollMs: 5 });
  logs.push(log);
  return log;
}

function eventId(n: number): string {
  return orderEventId(`sg-${n}`, 'OrderConfirmed');
}

function confirmed(n: number): string {
  return encodedLine({
    id: eventId(n),
    type: 'OrderConfirmed',
    version: ORDER_EVENT_VERSION,
    occurredAt: new Date().toISOString(),
    data: {
      sagaId: `sg-${n}`,
      orderId: `o-${n}`,
      userId: 'u-1',
      partnerId: null,
      items: [{ productId: 'p-1', quantity: 1 }],
      totalCents: 1000,
      currency: 'USD',
    },
  });
}

/** Events `from` .. `from + count - 1` as the saga's writer lays them out, `perSegment` a file. */
async function publish(from: number, count: number, perSegment: number): Promise<void> {
  for (let n = from; n < from + count; ) {
    const segment = Math.floor(n / perSegment);
    const end = Math.min(from + count, (segment + 1) * perSegment);
    let text = '';
    for (let i = n; i < end; i++) text += confirmed(i);
    await appendFile(segmentFile(base, segment), text);
    n = end;
  }
}

/** Read and complete up to `limit` new entries of `group`; the event ids handled, in order. */
async function consume(log: FileEventLog, group: string, limit = Infinity): Promise<string[]> {
  const handled: string[] = [];
  while (handled.length < limit) {
    const batch = await log.readNew(group, 'c1', Math.min(100, limit - handled.length), 0);
    if (batch.length === 0) break;
    for (const delivery of batch) {
      if (!delivery.decoded.ok) throw new Error(delivery.decoded.error);
      await log.complete(group, delivery.entryId, delivery.decoded.event.id);
      handled.push(delivery.decoded.event.id);
    }
  }
  return handled;
}

const ids = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => eventId(from + i));

describe('FileEventLog over segment files', () => {
  it('deletes segments every group is past down to the cap, while a lagging group keeps them', async () => {
    await publish(0, 1000, 100);
    const log = openLog(150);
    await log.ensureGroup('fulfilment');
    await log.ensureGroup('fraud');

    expect(await consume(log, 'fulfilment')).toEqual(ids(0, 1000));
    expect((await log.stats('fraud')).lag).toBe(1000);
    expect(await listSegments(base)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    expect(await consume(log, 'fraud', 550)).toEqual(ids(0, 550));
    await log.stats('fraud');
    expect(await listSegments(base)).toEqual([5, 6, 7, 8, 9]);

    expect(await consume(log, 'fraud')).toEqual(ids(550, 450));
    const stats = await log.stats('fraud');
    // 200 entries stay: one segment fewer would leave 100, under the cap of 150.
    expect(await listSegments(base)).toEqual([8, 9]);
    expect(stats).toMatchObject({ lag: 0, oldestUnprocessedAgeMs: 0 });
    expect(log.retainedLines).toBe(0);
  });

  it('holds in memory only what a group still needs while the groups keep up', async () => {
    const log = openLog(500);
    await log.ensureGroup('fulfilment');
    await log.ensureGroup('fraud');
    let mostRetained = 0;
    for (let n = 0; n < 2000; n += 100) {
      await publish(n, 100, 250);
      await consume(log, 'fulfilment');
      mostRetained = Math.max(mostRetained, log.retainedLines);
      await consume(log, 'fraud');
    }
    await log.stats('fraud');
    expect(mostRetained).toBe(100);
    expect(log.retainedLines).toBe(0);
    // The cap: 500 entries, the last two segments.
    expect(await listSegments(base)).toEqual([6, 7]);
  });

  it('stats count and age what the group has not finished across segments', async () => {
    await publish(0, 250, 100);
    const log = openLog(100);
    await log.ensureGroup('notification');
    const [first] = await log.readNew('notification', 'c1', 1, 0);
    expect(first?.entryId).toBe('0-1');
    const stats = await log.stats('notification');
    expect(stats.lag).toBe(250);
    expect(stats.oldestUnprocessedAgeMs).toBeGreaterThanOrEqual(0);
    expect(stats.oldestUnprocessedAgeMs).toBeLessThan(60_000);
    expect((await log.readNew('notification', 'c1', 200, 0)).at(-1)?.entryId).toBe('2-1');
  });

  it('a restart resumes where it stopped: pending entries are claimed again, handled ones never redelivered', async () => {
    await publish(0, 400, 100);
    const before = openLog(100);
    await before.ensureGroup('fulfilment');
    expect(await consume(before, 'fulfilment', 200)).toEqual(ids(0, 200));
    const unfinished = await before.readNew('fulfilment', 'c1', 50, 0);
    await before.close();
    await publish(400, 100, 100);

    const after = openLog(100);
    const claimed = await after.claimIdle('fulfilment', 'c2', 0, 100);
    expect(claimed.map((d) => d.entryId)).toEqual(unfinished.map((d) => d.entryId));
    expect(claimed.every((d) => d.deliveries === 2)).toBe(true);
    for (const delivery of claimed) {
      if (delivery.decoded.ok)
        await after.complete('fulfilment', delivery.entryId, delivery.decoded.event.id);
    }
    expect(await consume(after, 'fulfilment')).toEqual(ids(250, 250));
    expect((await after.stats('fulfilment')).lag).toBe(0);
  });

  it('a log and group state written before segments (one file, line numbers) are still consumed', async () => {
    await publish(0, 30, 1000);
    await mkdir(stateDir, { recursive: true });
    const held = { consumer: 'old', idleSince: 0, deliveries: 1 };
    await writeFile(
      join(stateDir, 'fulfilment.json'),
      JSON.stringify({
        lastDelivered: 20,
        pending: { '19': held, '20': held },
        dead: [],
        nextDeadId: 1,
        done: {},
      }),
    );
    const log = openLog(2);

    const claimed = await log.claimIdle('fulfilment', 'c1', 0, 10);
    expect(claimed.map((d) => d.entryId)).toEqual(['0-19', '0-20']);
    for (const delivery of claimed) {
      if (delivery.decoded.ok)
        await log.complete('fulfilment', delivery.entryId, delivery.decoded.event.id);
    }
    await appendFile(segmentFile(base, 1), confirmed(30) + confirmed(31));
    expect(await consume(log, 'fulfilment')).toEqual(ids(20, 12));
    await log.stats('fulfilment');
    // The old file is segment 0, deleted like any other once the group is past it.
    expect(await listSegments(base)).toEqual([1]);
  });

  it('a group created after trimming reads from the oldest entry still on disk', async () => {
    await publish(0, 1000, 100);
    const log = openLog(300);
    await log.ensureGroup('fulfilment');
    await consume(log, 'fulfilment');
    await log.stats('fulfilment');
    expect(await listSegments(base)).toEqual([7, 8, 9]);
    expect(log.retainedLines).toBe(0);

    await log.ensureGroup('fraud');
    expect(await consume(log, 'fraud')).toEqual(ids(700, 300));
  });

  it('a dead letter whose segment was deleted replays for its group only', async () => {
    await publish(0, 300, 100);
    const log = openLog(100);
    await log.ensureGroup('fulfilment');
    await log.ensureGroup('notification');
    const [poisoned] = await log.readNew('notification', 'c1', 1, 0);
    if (!poisoned) throw new Error('no delivery');
    await log.deadLetter('notification', 'c1', poisoned, 'provider said no');
    await consume(log, 'notification');
    await consume(log, 'fulfilment');
    await log.stats('notification');
    expect(await listSegments(base)).toEqual([2]);

    expect(await log.replayDeadLetters('notification', 'all')).toEqual(['1']);
    const [replayed] = await log.readNew('notification', 'c1', 10, 0);
    expect(replayed).toMatchObject({ raw: poisoned.raw, group: 'notification' });
    expect(await log.readNew('fulfilment', 'c1', 10, 0)).toMatchObject([{ group: 'notification' }]);
  });

  it('a torn last line of a finished segment is read as one non-event, not glued to the next', async () => {
    await publish(0, 2, 1000);
    await appendFile(base, '{"event":"{\\"id\\":');
    await appendFile(segmentFile(base, 1), confirmed(2));
    const log = openLog(100);
    const read = await log.readNew('fulfilment', 'c1', 10, 0);
    expect(read.map((d) => [d.entryId, d.decoded.ok])).toEqual([
      ['0-1', true],
      ['0-2', true],
      ['0-3', false],
      ['1-1', true],
    ]);
  });

  it('state files name positions as segment and line', async () => {
    await publish(0, 150, 100);
    const log = openLog(100);
    await consume(log, 'fraud', 120);
    await log.close();
    const state = JSON.parse(await readFile(join(stateDir, 'fraud.json'), 'utf8')) as {
      lastDelivered: string;
    };
    expect(state.lastDelivered).toBe('1-20');
  });
});
