import { open, unlink } from 'node:fs/promises';
import { type EncodedEntry, listSegments, segmentFile } from '@edge/order-events';

/** Where an entry of the embedded log sits: its segment, then its line (from 1) in it. */
export interface Position {
  segment: number;
  line: number;
}

export function comparePositions(a: Position, b: Position): number {
  return a.segment - b.segment || a.line - b.line;
}

/** Entry ids are `<segment>-<line>`. */
export function entryIdOf(position: Position): string {
  return `${position.segment}-${position.line}`;
}

/** The position an entry id names; a bare number (from before segments) is a line of segment 0. */
export function positionOf(entryId: string): Position {
  const [first, second] = entryId.split('-');
  return second === undefined
    ? { segment: 0, line: Number(first) }
    : { segment: Number(first), line: Number(second) };
}

export interface TailLine {
  position: Position;
  id: string;
  entry: EncodedEntry | undefined;
  raw: string;
  /** When the event happened (its `occurredAt`), else when this process first read the line. */
  at: number;
}

interface Cursor {
  segment: number;
  /** Bytes of the segment read so far (whole lines only, unless the segment is finished). */
  offset: number;
  /** Lines of the segment read so far. */
  lines: number;
}

function parseLine(raw: string): EncodedEntry | undefined {
  try {
    const value = JSON.parse(raw) as Partial<EncodedEntry>;
    if (typeof value.event !== 'string') return undefined;
    return typeof value.group === 'string'
      ? { event: value.event, group: value.group }
      : { event: value.event };
  } catch {
    return undefined;
  }
}

function occurredAt(entry: EncodedEntry | undefined): number {
  if (!entry) return Date.now();
  try {
    const at = Date.parse((JSON.parse(entry.event) as { occurredAt?: string }).occurredAt ?? '');
    return Number.isNaN(at) ? Date.now() : at;
  } catch {
    return Date.now();
  }
}

async function removeSegment(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * The reader's side of the segmented embedded log (`segmentFile`): it reads the segments in
 * order, keeps in memory only the lines some consumer group may still need, and deletes whole
 * segments every group is past. Not safe for concurrent calls: `FileEventLog` serialises them.
 */
export class SegmentTail {
  private cursor: Cursor | undefined;
  private lines: TailLine[] = [];
  /** Line counts of the finished segments still on disk, oldest first. */
  private readonly finished = new Map<number, number>();
  /** Lines before this position may be missing from memory (dropped, or skipped at read). */
  private keptFrom: Position = { segment: 0, line: 0 };
  private lastRead: Position = { segment: 0, line: 0 };

  constructor(private readonly base: string) {}

  /** Lines held in memory. */
  get retainedLines(): number {
    return this.lines.length;
  }

  /** The newest position read (`0-0` before the first line). */
  get newest(): Position {
    return this.lastRead;
  }

  /**
   * Where appends of the reading process go: the segment being read, which is not finished
   * until the reader has read past them, so they cannot land behind it.
   */
  get appendSegment(): number {
    return this.cursor?.segment ?? 0;
  }

  /** True when a group starting at `position` needs lines this tail no longer holds. */
  misses(position: Position): boolean {
    return comparePositions(position, this.keptFrom) < 0;
  }

  /**
   * Read what was appended since the last call, keeping lines from `retainFrom` (every line
   * when undefined). A segment is finished once a later one exists: the directory is listed
   * before the segment's tail is read, because the writer finishes a segment before it starts
   * the next, so whatever the tail holds then is all the segment will ever hold.
   */
  async read(retainFrom: Position | undefined): Promise<void> {
    if (retainFrom && comparePositions(retainFrom, this.keptFrom) > 0) this.keptFrom = retainFrom;
    for (;;) {
      const segments = await listSegments(this.base);
      const first = segments[0];
      if (first === undefined) return;
      this.cursor ??= { segment: first, offset: 0, lines: 0 };
      const cursor = this.cursor;
      const next = segments.find((s) => s > cursor.segment);
      await this.readSegment(cursor, next !== undefined);
      if (next === undefined) return;
      this.finished.set(cursor.segment, cursor.lines);
      this.cursor = { segment: next, offset: 0, lines: 0 };
    }
  }

  private async readSegment(cursor: Cursor, finished: boolean): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(segmentFile(this.base, cursor.segment), 'r');
    } catch {
      return; // Not there: the writer has not created it yet.
    }
    let buffer: Buffer;
    try {
      const { size } = await handle.stat();
      if (size <= cursor.offset) return;
      buffer = Buffer.alloc(size - cursor.offset);
      await handle.read(buffer, 0, buffer.length, cursor.offset);
    } finally {
      await handle.close();
    }
    // A line still being written has no newline yet: it waits for the next look, unless the
    // segment is finished, where it can only be a line a crash tore (read as a non-event).
    const end = finished ? buffer.length : buffer.lastIndexOf(0x0a) + 1;
    if (end === 0) return;
    const raws = buffer.toString('utf8', 0, end).split('\n');
    if (raws.at(-1) === '') raws.pop();
    for (const raw of raws) {
      cursor.lines += 1;
      const position = { segment: cursor.segment, line: cursor.lines };
      this.lastRead = position;
      if (comparePositions(position, this.keptFrom) < 0) continue;
      const entry = parseLine(raw);
      this.lines.push({ position, id: entryIdOf(position), entry, raw, at: occurredAt(entry) });
    }
    cursor.offset += end;
  }

  /** The line at `position`, if held. */
  find(position: Position): TailLine | undefined {
    const line = this.lines[this.firstAtOrAfter(position)];
    return line && comparePositions(line.position, position) === 0 ? line : undefined;
  }

  /** Up to `count` lines after `position`, oldest first. */
  after(position: Position, count: number): TailLine[] {
    const from = this.firstAtOrAfter({ segment: position.segment, line: position.line + 1 });
    return this.lines.slice(from, from + count);
  }

  countAfter(position: Position): number {
    return (
      this.lines.length -
      this.firstAtOrAfter({ segment: position.segment, line: position.line + 1 })
    );
  }

  /**
   * Delete finished segments, oldest first, while every line in them is before `floor` (no
   * group needs it; undefined: there is no group) and at least `maxLen` lines stay on disk;
   * then drop from memory what is before the floor or no longer on disk.
   */
  async trim(floor: Position | undefined, maxLen: number): Promise<void> {
    let total = (this.cursor?.lines ?? 0) + [...this.finished.values()].reduce((a, b) => a + b, 0);
    for (const [segment, count] of this.finished) {
      const passed = !floor || comparePositions({ segment, line: count }, floor) < 0;
      if (!passed || total - count < maxLen) break;
      await removeSegment(segmentFile(this.base, segment));
      this.finished.delete(segment);
      total -= count;
    }
    this.dropBefore(floor);
  }

  private dropBefore(floor: Position | undefined): void {
    const oldest = this.finished.keys().next().value ?? this.cursor?.segment;
    if (oldest === undefined) return;
    const onDisk = { segment: oldest, line: 1 };
    const from = floor && comparePositions(floor, onDisk) > 0 ? floor : onDisk;
    const drop = this.firstAtOrAfter(from);
    if (drop > 0) this.lines = this.lines.slice(drop);
    if (comparePositions(from, this.keptFrom) > 0) this.keptFrom = from;
  }

  private firstAtOrAfter(position: Position): number {
    let low = 0;
    let high = this.lines.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const line = this.lines[mid] as TailLine;
      if (comparePositions(line.position, position) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
