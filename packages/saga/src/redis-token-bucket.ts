import { defineScript, type RedisClient } from '@edge/common';
import type { CallPriority } from './provider-client.js';
import {
  type BatchTakeResult,
  BatchTokenBucket,
  type BucketLimit,
  type BucketState,
} from './token-bucket.js';

export interface RedisTokenBucketOptions {
  /** A fail-fast client (offline queue off): a pacing decision that waits is worse than none. */
  redis: RedisClient;
  /** Prefix of every bucket key; default `pace:`. */
  prefix?: string;
  /** An idle bucket's key expires after this long (state back to the full rate); default 10 min. */
  idleTtlMs?: number;
}

export const DEFAULT_PACING_KEY_PREFIX = 'pace:';
export const DEFAULT_BUCKET_IDLE_TTL_MS = 10 * 60_000;

// Load the bucket hash (t tokens, u updated, r rate, p paused until, c compensation wait until)
// and advance it to ARGV[1] (now). Same algorithm as memory-token-bucket.ts; nothing accrues
// while paused. ARGV: now, rate, burst, minRate, recovery, decrease, hold, ttlMs, ...
const LOAD_AND_ADVANCE = `
local now = tonumber(ARGV[1])
local limitRate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 't', 'u', 'r', 'p', 'c')
local tokens = tonumber(h[1]) or burst
local updated = tonumber(h[2]) or now
local rate = tonumber(h[3]) or limitRate
local paused = tonumber(h[4]) or 0
local compWait = tonumber(h[5]) or 0
local from = math.max(updated, paused)
if now > from then
  local seconds = (now - from) / 1000
  tokens = math.min(burst, tokens + rate * seconds)
  rate = math.min(limitRate, rate + tonumber(ARGV[5]) * seconds)
end
updated = math.max(updated, now)
local function store()
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(updated), 'r', tostring(rate),
    'p', tostring(paused), 'c', tostring(compWait))
  redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[8]), paused - now + tonumber(ARGV[8])))
end
`;

// ARGV[9]: priority, ARGV[10]: tokens wanted. Returns {granted} (at least one, at most wanted)
// or {0, waitMs}.
const TAKE = defineScript(`${LOAD_AND_ADVANCE}
if now < paused then store() return {0, math.ceil(paused - now)} end
local missing = 1 - tokens
local wait = 0
if missing > 0 then wait = math.ceil(missing / rate * 1000) end
if ARGV[9] == 'forward' and now < compWait then
  store()
  return {0, math.ceil(math.max(wait, compWait - now))}
end
if missing <= 0 then
  local granted = math.min(tonumber(ARGV[10]), math.floor(tokens))
  tokens = tokens - granted
  store()
  return {granted}
end
if ARGV[9] == 'compensation' then compWait = math.max(compWait, now + wait + tonumber(ARGV[7])) end
store()
return {0, wait}
`);

// ARGV[9]: pause ms. A 429 while already paused is a straggler of the same event: no new cut.
const THROTTLE = defineScript(`${LOAD_AND_ADVANCE}
if now >= paused then rate = math.max(tonumber(ARGV[4]), rate * tonumber(ARGV[6])) end
tokens = 0
paused = math.max(paused, now + tonumber(ARGV[9]))
store()
return 1
`);

const STATE = defineScript(`${LOAD_AND_ADVANCE}
return {tostring(rate), tostring(paused)}
`);

/**
 * The shared bucket: one hash per key, read, advanced and written by one Lua script, so every
 * worker of every process takes from the same tokens and sees the same 429 pause. One key per
 * script call, so it runs on a Redis Cluster unchanged.
 */
export class RedisTokenBucket extends BatchTokenBucket {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly idleTtlMs: number;

  constructor(options: RedisTokenBucketOptions) {
    super();
    this.redis = options.redis;
    this.prefix = options.prefix ?? DEFAULT_PACING_KEY_PREFIX;
    this.idleTtlMs = options.idleTtlMs ?? DEFAULT_BUCKET_IDLE_TTL_MS;
  }

  private args(limit: BucketLimit, now: number): string[] {
    return [
      String(now),
      String(limit.ratePerSec),
      String(limit.burst),
      String(limit.minRatePerSec),
      String(limit.recoveryPerSec),
      String(limit.decreaseFactor),
      String(limit.priorityHoldMs),
      String(this.idleTtlMs),
    ];
  }

  async takeUpTo(
    key: string,
    limit: BucketLimit,
    priority: CallPriority,
    count: number,
    now: number,
  ): Promise<BatchTakeResult> {
    const [granted = 0, retryAfterMs = 0] = (await TAKE(
      this.redis,
      [this.prefix + key],
      [...this.args(limit, now), priority, String(count)],
    )) as number[];
    return { granted, retryAfterMs };
  }

  async throttle(key: string, limit: BucketLimit, pauseMs: number, now: number): Promise<void> {
    await THROTTLE(this.redis, [this.prefix + key], [...this.args(limit, now), String(pauseMs)]);
  }

  async state(key: string, limit: BucketLimit, now: number): Promise<BucketState> {
    const [rate, paused] = (await STATE(
      this.redis,
      [this.prefix + key],
      this.args(limit, now),
    )) as [string, string];
    return { ratePerSec: Number(rate), pausedUntil: Number(paused) };
  }

  /** The client belongs to the caller. */
  async close(): Promise<void> {}
}
