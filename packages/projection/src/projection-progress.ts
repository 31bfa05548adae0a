import { productHeartbeatStreamKey, streamIdMs } from '@edge/catalog-events';
import type { RedisClient } from '@edge/common';
import type { ReadModelKeys } from './read-model-keys.js';

/**
 * KEYS: product stream, heartbeat stream. ARGV: group. Answers the newest heartbeat's id and the
 * oldest entry the group has not processed: its oldest pending entry, whoever holds it (a dead or
 * stopped replica's too), else the first entry after its last delivered one. One script, so the
 * two are one instant on one clock; both keys share the stream's slot. NOGROUP when the group
 * (or the stream) is gone.
 */
const GROUP_PROGRESS_SCRIPT = `
local beat = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
local oldest = redis.call('XPENDING', KEYS[1], ARGV[1])[2]
if not oldest then
  local delivered = '0-0'
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local fields = {}
    for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
    if fields['name'] == ARGV[1] then delivered = fields['last-delivered-id'] end
  end
  local next = redis.call('XRANGE', KEYS[1], '(' .. delivered, '+', 'COUNT', 1)[1]
  oldest = next and next[1] or false
end
return { beat and beat[1] or false, oldest }`;

/** KEYS: heartbeat hash. ARGV: ms. Only forward: a late or pessimistic answer never rewinds. */
const RECORD_SCRIPT = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'ms')) or -1
if tonumber(ARGV[1]) > cur then redis.call('HSET', KEYS[1], 'ms', ARGV[1]) end
return 1`;

export interface GroupProgress {
  /** Stream id time of the write side's newest heartbeat; undefined before the first. */
  beatMs: number | undefined;
  /** Id of the oldest entry the group has not processed (pending or undelivered), if any. */
  oldestUnprocessed: string | undefined;
}

export async function readGroupProgress(
  redis: RedisClient,
  stream: string,
  group: string,
): Promise<GroupProgress> {
  const answer = await redis.eval(
    GROUP_PROGRESS_SCRIPT,
    2,
    stream,
    productHeartbeatStreamKey(stream),
    group,
  );
  const [beat, oldest] = Array.isArray(answer) ? answer : [];
  return {
    beatMs: typeof beat === 'string' ? streamIdMs(beat) : undefined,
    oldestUnprocessed: typeof oldest === 'string' ? oldest : undefined,
  };
}

/**
 * The time up to which every product change is applied: the newest beat (a beat of the write
 * side, or one it wrote into the product stream before beats had their own stream), held back to
 * just before the oldest unprocessed entry. Entries older than that one are acked, and the
 * projector acks only what it wrote. Undefined while there is no beat yet.
 */
export function appliedThrough(
  progress: GroupProgress,
  productStreamBeatMs: number | undefined,
): number | undefined {
  const beat = Math.max(progress.beatMs ?? -1, productStreamBeatMs ?? -1);
  const through =
    progress.oldestUnprocessed === undefined
      ? beat
      : Math.min(beat, streamIdMs(progress.oldestUnprocessed) - 1);
  return through >= 0 ? through : undefined;
}

/** Record the point readers measure lag from (`readProjectionLag`). */
export async function recordAppliedThrough(
  redis: RedisClient,
  keys: ReadModelKeys,
  ms: number,
): Promise<void> {
  await redis.eval(RECORD_SCRIPT, 1, keys.heartbeat, String(ms));
}
