import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The embedded order event log is a run of segment files beside `base` (`order-events.jsonl`):
 * segment 0 is `base` itself, so a log written before segments existed is read as segment 0,
 * and segment n is `order-events.<n>.jsonl`. The saga's writer appends to the highest segment
 * and opens the next one once it reaches this many bytes; the consumers' reader deletes whole
 * segments every group is past. Files are never renamed or rewritten, because the writer and
 * the reader are different processes.
 */
export const DEFAULT_EVENT_SEGMENT_BYTES = 1024 * 1024;

const EXTENSION = '.jsonl';

function stem(base: string): string {
  const name = basename(base);
  return name.endsWith(EXTENSION) ? name.slice(0, -EXTENSION.length) : name;
}

/** Path of segment `segment` of the log whose segment 0 is `base`. */
export function segmentFile(base: string, segment: number): string {
  return segment === 0 ? base : join(dirname(base), `${stem(base)}.${segment}${EXTENSION}`);
}

/** Numbers of the segments that exist, lowest first; none when the directory does not exist. */
export async function listSegments(base: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dirname(base));
  } catch {
    return [];
  }
  const first = basename(base);
  const head = `${stem(base)}.`;
  const segments: number[] = [];
  for (const name of names) {
    if (name === first) segments.push(0);
    if (!name.startsWith(head) || !name.endsWith(EXTENSION)) continue;
    const n = name.slice(head.length, -EXTENSION.length);
    if (/^[1-9]\d*$/.test(n)) segments.push(Number(n));
  }
  return segments.sort((a, b) => a - b);
}
