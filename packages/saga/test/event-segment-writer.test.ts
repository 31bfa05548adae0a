import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSegments, ORDER_EVENTS_FILE, segmentFile } from '@edge/order-events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSegmentWriter } from '../src/event-segment-writer';

let dir: string;
let base: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'event-segments-'));
  base = join(dir, ORDER_EVENTS_FILE);
});

afterEach(() => rm(dir, { recursive: true, force: true }));

const line = (n: number) => `${JSON.stringify({ event: `{"n":${n}}` })}\n`;

async function linesOf(segment: number): Promise<string[]> {
  const text = await readFile(segmentFile(base, segment), 'utf8');
  return text.split('\n').filter(Boolean);
}

describe('EventSegmentWriter', () => {
  it('starts the next segment once the current one reaches its size, every line once and in order', async () => {
    const writer = new EventSegmentWriter({ base, fsync: false, segmentBytes: 500 });
    for (let n = 0; n < 100; n++) await writer.append(line(n));

    const segments = await listSegments(base);
    expect(segments.length).toBeGreaterThan(3);
    expect(segments).toEqual(segments.map((_, i) => i));
    const all: string[] = [];
    for (const segment of segments) {
      // A segment is closed by the first append that finds it full: at most one line past.
      expect((await stat(segmentFile(base, segment))).size).toBeLessThan(500 + line(99).length);
      all.push(...(await linesOf(segment)));
    }
    expect(all).toEqual(Array.from({ length: 100 }, (_, n) => line(n).trimEnd()));
  });

  it('concurrent appends are written one batch at a time, in call order', async () => {
    const writer = new EventSegmentWriter({ base, fsync: false, segmentBytes: 500 });
    await Promise.all(Array.from({ length: 200 }, (_, n) => writer.append(line(n))));

    const all: string[] = [];
    for (const segment of await listSegments(base)) all.push(...(await linesOf(segment)));
    expect(all).toEqual(Array.from({ length: 200 }, (_, n) => line(n).trimEnd()));
  });

  it('a reopened writer continues the highest segment', async () => {
    const first = new EventSegmentWriter({ base, fsync: false, segmentBytes: 100 });
    // Five 22-byte lines fill segment 0; two more start segment 1.
    for (let n = 0; n < 7; n++) await first.append(line(n));
    const highest = (await listSegments(base)).at(-1) ?? -1;
    expect(highest).toBe(1);

    await new EventSegmentWriter({ base, fsync: false, segmentBytes: 100 }).append(line(10));
    expect((await listSegments(base)).at(-1)).toBe(highest);
    expect((await linesOf(highest)).at(-1)).toBe(line(10).trimEnd());
  });

  it('a torn last line left by a crash is not glued to the next: the writer starts a new segment', async () => {
    await writeFile(base, `${line(0)}{"event":"{\\"n\\":`);

    await new EventSegmentWriter({ base, fsync: true }).append(line(1));
    expect(await listSegments(base)).toEqual([0, 1]);
    expect(await linesOf(1)).toEqual([line(1).trimEnd()]);
  });
});
