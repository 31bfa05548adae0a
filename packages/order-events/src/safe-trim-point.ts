import type { RedisClient } from '@edge/common';
import { minId, nextId } from './stream-ids.js';

function toRecord(flat: unknown[]): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
  return fields;
}

/**
 * The lowest stream id some consumer group of `groups` has not finished with: its oldest
 * pending (delivered, unacknowledged) entry, else the entry after the last one delivered to it.
 * `XTRIM <stream> MINID <point>` (or `XADD ... MINID <point>`) drops only entries below it,
 * which every group has acknowledged, so trimming never drops an unprocessed event. A group in
 * `groups` that does not exist yet holds the whole stream (`0-0`); without `groups`, every group
 * that exists counts (and none means nothing holds the stream: `undefined`). Groups only move
 * forward, so a point computed before a trim stays safe while the trim runs.
 */
export async function safeTrimPoint(
  redis: RedisClient,
  stream: string,
  groups?: readonly string[],
): Promise<string | undefined> {
  let raw: unknown[][];
  try {
    raw = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  } catch (err) {
    if (String(err).includes('no such key')) return groups ? '0-0' : undefined;
    throw err;
  }
  const info = new Map(raw.map((flat) => toRecord(flat)).map((f) => [String(f.get('name')), f]));
  const points: string[] = [];
  for (const group of groups ?? [...info.keys()]) {
    const fields = info.get(group);
    if (!fields) return '0-0';
    const [, oldestPending] = (await redis.xpending(stream, group)) as [number, string | null];
    points.push(oldestPending ?? nextId(String(fields.get('last-delivered-id'))));
  }
  return minId(points) ?? (groups ? '0-0' : undefined);
}
