import type { RedisClient } from '@edge/common';
import { compareIds, nextId, safeTrimPoint } from '@edge/order-events';

/** Entries the OrderConfirmed stream keeps at least, when every consumer group is past them. */
export const DEFAULT_ORDER_STREAM_MAX_LEN = 100_000;
/** At most this many entries are trimmed per run, so one run never blocks Redis for long. */
const TRIM_CHUNK = 10_000;

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
  // The groups' floor: the first entry some consumer group has not processed.
  const floor = await safeTrimPoint(redis, key);
  const capCut = nextId(lastExcess);
  const cut = floor !== undefined && compareIds(floor, capCut) < 0 ? floor : capCut;
  return redis.xtrim(key, 'MINID', cut);
}
