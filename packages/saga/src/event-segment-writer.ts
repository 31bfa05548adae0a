import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '@edge/common';
import { DEFAULT_EVENT_SEGMENT_BYTES, listSegments, segmentFile } from '@edge/order-events';

export interface EventSegmentWriterOptions {
  /** Segment 0 of the log (`<saga dir>/events/order-events.jsonl`). */
  base: string;
  /** fsync every append, and the directory when a segment is started; default true. */
  fsync?: boolean;
  /** The next segment is started once the current one holds this many bytes; default 1 MiB. */
  segmentBytes?: number;
}

interface Batch {
  text: string[];
  written: Promise<void>;
}

/**
 * Appends lines to the embedded order event log (see `segmentFile`) for the one saga process
 * that owns its data dir. Writes run one at a time, because the reader takes a segment as
 * finished once the next one exists: no line may land in a segment after its successor was
 * started. Appends that arrive while a write runs share the next write (one fsync per batch).
 */
export class EventSegmentWriter {
  private readonly base: string;
  private readonly fsync: boolean;
  private readonly segmentBytes: number;
  private segment: number | undefined;
  private waiting: Batch | undefined;
  private previous: Promise<void> = Promise.resolve();

  constructor(options: EventSegmentWriterOptions) {
    this.base = options.base;
    this.fsync = options.fsync ?? true;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_EVENT_SEGMENT_BYTES;
  }

  /** Resolves once `text` (whole lines) is written, and synced when `fsync` is on. */
  append(text: string): Promise<void> {
    const batch = this.waiting ?? this.nextBatch();
    batch.text.push(text);
    return batch.written;
  }

  private nextBatch(): Batch {
    const text: string[] = [];
    const written = this.previous.then(() => {
      // Appends from here on wait for the batch after this one.
      this.waiting = undefined;
      return this.write(text.join(''));
    });
    this.previous = written.catch(() => undefined);
    this.waiting = { text, written };
    return this.waiting;
  }

  private async write(text: string): Promise<void> {
    const { segment, started } = await this.currentSegment();
    const handle = await open(segmentFile(this.base, segment), 'a');
    try {
      await handle.appendFile(text);
      if (this.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    if (started && this.fsync) await fsyncDir(dirname(this.base));
  }

  private async currentSegment(): Promise<{ segment: number; started: boolean }> {
    this.segment ??= await this.openingSegment();
    const size = await stat(segmentFile(this.base, this.segment)).then(
      (s) => s.size,
      () => 0,
    );
    if (size < this.segmentBytes) return { segment: this.segment, started: size === 0 };
    this.segment += 1;
    return { segment: this.segment, started: true };
  }

  /**
   * The highest segment, or the next one when a crash tore its last line: appending to it would
   * glue the next line onto the torn one and lose both. The torn line itself stays where it is
   * (the saga re-emits its events on resume), read as a line that is not an event.
   */
  private async openingSegment(): Promise<number> {
    const highest = (await listSegments(this.base)).at(-1) ?? 0;
    return (await endsInTornLine(segmentFile(this.base, highest))) ? highest + 1 : highest;
  }
}

async function endsInTornLine(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
