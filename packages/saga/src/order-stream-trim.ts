import type { RedisClient } from '@edge/common';

/** Entries the OrderConfirmed stream keeps at least, when every consumer group is past them. */
export const DEFAULT_ORDER_STREAM_MAX_LEN = 100_000;
/** At most this many entries are trimmed per run, so one run never blocks Redis for long. */
const TRIM_CHUNK = 10_000;

type StreamId = readonly [number, number];

function parseId(id: string): StreamId {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq ?? 0)];
}

function compareIds(a: string, b: string): number {
  const [am, as] = parseId(a);
  const [bm, bs] = parseId(b);
  return am === bm ? as - bs : am - bm;
}

/** The smallest id greater than `id`: MINID keeps ids >= it, so this drops `id` itself. */
function successor(id: string): string {
  const [ms, seq] = parseId(id);
  return `${ms}-${seq + 1}`;
}

function fieldsOf(entry: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(entry)) return fields;
  for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
  return fields;
}

/**
 * The first entry some consumer group has not processed: its oldest pending (delivered, not
 * acknowledged) entry, or the one after its last delivered entry. Undefined without groups.
 */
async function unprocessedFloor(redis: RedisClient, key: string): Promise<string | undefined> {
  let floor: string | undefined;
  for (const group of (await redis.xinfo('GROUPS', key)) as unknown[]) {
    const fields = fieldsOf(group);
    const name = String(fields.get('name'));
    const pending = Number(fields.get('pending') ?? 0);
    const groupFloor =
      pending > 0
        ? String(((await redis.xpending(key, name)) as unknown[])[1])
        : successor(String(fields.get('last-delivered-id') ?? '0-0'));
    if (floor === undefined || compareIds(groupFloor, floor) < 0) floor = groupFloor;
  }
  return floor;
}

/**
 * Cap the stream at `maxLen` entries without ever dropping one a consumer group has not
 * processed (pending or not yet delivered): the cut is the older of the cap's cut and the
 * groups' floor. A group that lags keeps the stream long; the lag alert is what reports that.
 * Returns how many entries were removed.
 */
export async function trimOrderStream(
  redis: RedisClient,
  key: string,
  maxLen = DEFAULT_ORDER_STREAM_MAX_LEN,
): Promise<number> {
  const length = await redis.xlen(key);
  const excess = Math.min(length - maxLen, TRIM_CHUNK);
  if (excess <= 0) return 0;
  const oldest = await redis.xrange(key, '-', '+', 'COUNT', excess);
  const lastExcess = oldest[oldest.length - 1]?.[0];
  if (lastExcess === undefined) return 0;
  const floor = await unprocessedFloor(redis, key);
  const capCut = successor(lastExcess);
  const cut = floor !== undefined && compareIds(floor, capCut) < 0 ? floor : capCut;
  return redis.xtrim(key, 'MINID', cut);
}
