import { type AlertMemories, hasHashTag, type RedisClient, redisAlertMemory } from '@edge/common';
import {
  decodeOrderEvent,
  entryFields,
  idTimeMs,
  minId,
  ORDER_EVENT_FIELD,
} from '@edge/order-events';
import type {
  DeadLetter,
  Delivery,
  EventLog,
  GroupStats,
  ParkedEntry,
  RetryState,
} from './event-log.js';

export interface RedisEventLogOptions {
  /** Client for every non-blocking command (offline queue on: a blip waits, it does not fail). */
  redis: RedisClient;
  /** A connection of its own for `XREADGROUP BLOCK`, which holds the socket while it waits. */
  blocking: RedisClient;
  /** The order event stream the saga writes (`saga:{saga}:events:order` by default). */
  stream: string;
  /** How long a group's dedupe record of an event lives; default 7 days. */
  dedupeTtlMs?: number;
}

export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600_000;

/** Most entries counted one by one when Redis cannot say how many are undelivered. */
const COUNT_CAP = 1_000_000;

type Entry = [id: string, fields: string[]];

// Redis's clock, so hosts' clock skew never makes a live consumer look dead; consumers silent
// for a day (replaced pods) are dropped.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)
return 1
`;

const DEAD_LETTER = `
redis.call('XADD', KEYS[2], '*', 'entry', ARGV[2], 'event', ARGV[3], 'error', ARGV[4], 'deliveries', ARGV[5], 'consumer', ARGV[6], 'failedAt', ARGV[7])
redis.call('HDEL', KEYS[3], ARGV[2])
return redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
`;

// Only entries the consumer still holds: one a peer has claimed meanwhile is the peer's. Each
// held entry's idle time is set (JUSTID: no delivery counted) and, when given, its retry state
// written. ARGV: group, consumer, idle ms, then entry id and state ('' = none) pairs.
const HOLD = `
local held = {}
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
  if #mine == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'IDLE', ARGV[3], 'JUSTID')
    if ARGV[i + 1] ~= '' then redis.call('HSET', KEYS[2], id, ARGV[i + 1]) end
    table.insert(held, id)
  end
end
return held
`;

// Re-append each dead letter's event addressed to the group, then drop the dead letter: one
// script, so a replay never duplicates or loses one.
const REPLAY = `
local ids = {}
if ARGV[2] == 'all' then
  for _, e in ipairs(redis.call('XRANGE', KEYS[2], '-', '+')) do table.insert(ids, e[1]) end
else
  for i = 3, #ARGV do table.insert(ids, ARGV[i]) end
end
local done = {}
for _, id in ipairs(ids) do
  local found = redis.call('XRANGE', KEYS[2], id, id)
  if #found == 1 then
    local fields = found[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'event' then
        redis.call('XADD', KEYS[1], '*', '${ORDER_EVENT_FIELD}', fields[i + 1], 'group', ARGV[1])
      end
    end
    redis.call('XDEL', KEYS[2], id)
    table.insert(done, id)
  end
end
return done
`;

const COUNT_AFTER = `return #redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])`;

const LEASE = `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

function toRecord(flat: unknown[]): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
  return fields;
}

function isNoGroup(err: unknown): boolean {
  return String(err).includes('NOGROUP');
}

/**
 * Consumer groups over the saga's order event stream. Every key a group uses sits in the
 * stream's hash slot (its `{tag}`, or the stream name as the tag), so the scripts and
 * transactions that combine them also run on a Redis Cluster.
 */
export class RedisEventLog implements EventLog {
  private readonly redis: RedisClient;
  private readonly blocking: RedisClient;
  private readonly stream: string;
  private readonly head: string;
  private readonly dedupeTtlMs: number;

  constructor(options: RedisEventLogOptions) {
    this.redis = options.redis;
    this.blocking = options.blocking;
    this.stream = options.stream;
    this.head = hasHashTag(options.stream) ? options.stream : `{${options.stream}}`;
    this.dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
  }

  /** Key of the hash holding a group's retry state per pending entry. */
  private retriesKey(group: string): string {
    return this.key('retries', group);
  }

  /** Key of a group's dead-letter stream, for operators and tests. */
  dlqKey(group: string): string {
    return `${this.head}:dlq:${group}`;
  }

  private key(...parts: string[]): string {
    return [this.head, ...parts].join(':');
  }

  async ensureGroup(group: string): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.stream, group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
  }

  private toDelivery(entry: Entry, deliveries: number, retry?: RetryState): Delivery {
    const [entryId, fields] = entry;
    const encoded = entryFields(fields);
    const raw = encoded?.event ?? JSON.stringify(fields);
    return {
      entryId,
      raw,
      decoded: encoded
        ? decodeOrderEvent(encoded.event)
        : { ok: false, error: `entry has no ${ORDER_EVENT_FIELD} field` },
      ...(encoded?.group ? { group: encoded.group } : {}),
      deliveries,
      ...(retry ? { retry } : {}),
    };
  }

  async claimIdle(
    group: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<Delivery[]> {
    const claimed: Entry[] = [];
    let cursor = '0-0';
    // XAUTOCLAIM scans the pending list in pages; entries deleted from the stream come back as
    // ids only and leave the pending list by themselves.
    do {
      const answer = (await this.redis.xautoclaim(
        this.stream,
        group,
        consumer,
        minIdleMs,
        cursor,
        'COUNT',
        count - claimed.length,
      )) as [string, (Entry | null)[], string[]?];
      cursor = answer[0];
      for (const entry of answer[1]) if (entry) claimed.push(entry);
    } while (cursor !== '0-0' && claimed.length < count);
    if (claimed.length === 0) return [];
    const counts = await this.deliveryCounts(group, claimed);
    const states = await this.redis.hmget(this.retriesKey(group), ...claimed.map(([id]) => id));
    return claimed.map((entry, i) => {
      const state = states[i];
      return this.toDelivery(
        entry,
        counts[i] ?? 1,
        state ? (JSON.parse(state) as RetryState) : undefined,
      );
    });
  }

  /**
   * Each claimed entry's delivery count, asked entry by entry (one pipelined round trip). One
   * range query from the first claimed id to the last returned at most a page of the entries
   * in between: in a long outage the consumer holds hundreds there, the later claimed entries
   * fell off the page and were counted as first deliveries, their retry state recorded that
   * count as settled, and the next claims made them look delivered again and again without an
   * outcome: dead-lettered as crashing consumers (62 in a 10-minute outage).
   */
  private async deliveryCounts(group: string, claimed: readonly Entry[]): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const [id] of claimed) pipeline.xpending(this.stream, group, id, id, 1);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      const [row] = value as [string, string, number, number][];
      return row?.[3] ?? 1;
    });
  }

  async readNew(
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<Delivery[]> {
    const args = blockMs > 0 ? ['BLOCK', blockMs] : [];
    const client = blockMs > 0 ? this.blocking : this.redis;
    const answer = (await client.xreadgroup(
      'GROUP',
      group,
      consumer,
      'COUNT',
      count,
      ...(args as ['BLOCK', number]),
      'STREAMS',
      this.stream,
      '>',
    )) as [string, Entry[]][] | null;
    return (answer?.[0]?.[1] ?? []).map((entry) => this.toDelivery(entry, 1));
  }

  async ack(group: string, entryId: string): Promise<void> {
    await this.inTransaction(
      this.redis.multi().hdel(this.retriesKey(group), entryId).xack(this.stream, group, entryId),
    );
  }

  private async inTransaction(multi: ReturnType<RedisClient['multi']>): Promise<void> {
    const results = await multi.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }

  private doneKey(group: string, eventId: string): string {
    return this.key('done', group, eventId);
  }

  async isDone(group: string, eventId: string): Promise<boolean> {
    return (await this.redis.exists(this.doneKey(group, eventId))) === 1;
  }

  async complete(group: string, entryId: string, eventId: string): Promise<void> {
    await this.inTransaction(
      this.redis
        .multi()
        .set(this.doneKey(group, eventId), '1', 'PX', this.dedupeTtlMs)
        .hdel(this.retriesKey(group), entryId)
        .xack(this.stream, group, entryId),
    );
  }

  async retryLater(
    group: string,
    consumer: string,
    entries: readonly ParkedEntry[],
    delayMs: number,
    claimIdleMs: number,
  ): Promise<void> {
    // An idle time of `claimIdleMs - delayMs` makes the entries claimable in `delayMs`; Redis
    // cannot set one in the future, so a longer wait is a claim after `claimIdleMs` that finds
    // the entry not due yet. The claim that picks it up counts the next delivery.
    await this.redis.eval(
      HOLD,
      2,
      this.stream,
      this.retriesKey(group),
      group,
      consumer,
      Math.max(0, claimIdleMs - delayMs),
      ...entries.flatMap((e) => [e.entryId, JSON.stringify(e.retry)]),
    );
  }

  async hold(group: string, consumer: string, entryIds: readonly string[]): Promise<string[]> {
    return (await this.redis.eval(
      HOLD,
      2,
      this.stream,
      this.retriesKey(group),
      group,
      consumer,
      0,
      ...entryIds.flatMap((id) => [id, '']),
    )) as string[];
  }

  async deadLetter(
    group: string,
    consumer: string,
    delivery: Delivery,
    error: string,
  ): Promise<void> {
    await this.redis.eval(
      DEAD_LETTER,
      3,
      this.stream,
      this.dlqKey(group),
      this.retriesKey(group),
      group,
      delivery.entryId,
      delivery.raw,
      error,
      String(delivery.deliveries),
      consumer,
      new Date().toISOString(),
    );
  }

  async deadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    const entries = (await this.redis.xrange(
      this.dlqKey(group),
      '-',
      '+',
      'COUNT',
      limit,
    )) as Entry[];
    return entries.map(([id, flat]) => {
      const f = toRecord(flat);
      return {
        id,
        entryId: String(f.get('entry') ?? ''),
        event: String(f.get('event') ?? ''),
        error: String(f.get('error') ?? ''),
        deliveries: Number(f.get('deliveries') ?? 0),
        consumer: String(f.get('consumer') ?? ''),
        failedAt: String(f.get('failedAt') ?? ''),
      };
    });
  }

  async replayDeadLetters(group: string, ids: readonly string[] | 'all'): Promise<string[]> {
    const which = ids === 'all' ? ['all'] : ['ids', ...ids];
    return (await this.redis.eval(
      REPLAY,
      2,
      this.stream,
      this.dlqKey(group),
      group,
      ...which,
    )) as string[];
  }

  async append(fields: { event: string }): Promise<string> {
    return (await this.redis.xadd(this.stream, '*', ORDER_EVENT_FIELD, fields.event)) as string;
  }

  async heartbeat(group: string, consumer: string): Promise<void> {
    await this.redis.eval(HEARTBEAT, 1, this.key('consumers', group), consumer);
  }

  private async groupInfo(): Promise<Map<string, Map<string, unknown>>> {
    const raw = (await this.redis.xinfo('GROUPS', this.stream)) as unknown[][];
    const groups = new Map<string, Map<string, unknown>>();
    for (const flat of raw) {
      const fields = toRecord(flat);
      groups.set(String(fields.get('name')), fields);
    }
    return groups;
  }

  async stats(group: string): Promise<GroupStats> {
    const [time, pending, dlqDepth, beats] = (await this.redis
      .multi()
      .time()
      .xpending(this.stream, group)
      .xlen(this.dlqKey(group))
      .zrange(this.key('consumers', group), 0, -1, 'WITHSCORES')
      .exec()
      .then((results) =>
        (results ?? []).map(([err, value]) => {
          if (err && !isNoGroup(err)) throw err;
          return err ? undefined : value;
        }),
      )) as [
      [string, string],
      [number, string | null, string | null, unknown] | undefined,
      number,
      string[],
    ];
    const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    const consumers: GroupStats['consumers'] = [];
    for (let i = 0; i + 1 < beats.length; i += 2) {
      consumers.push({
        consumer: String(beats[i]),
        heartbeatAgeMs: Math.max(0, nowMs - Number(beats[i + 1])),
      });
    }
    const info = (await this.groupInfo()).get(group);
    const lastDelivered = info ? String(info.get('last-delivered-id')) : '0-0';
    const pendingCount = pending?.[0] ?? 0;
    // XINFO's lag counts only undelivered entries and is null after a deletion or trim: then
    // count them (PITFALLS). A group that does not exist yet has everything undelivered.
    const reported = info?.get('lag');
    const undelivered =
      typeof reported === 'number'
        ? reported
        : ((await this.redis.eval(
            COUNT_AFTER,
            1,
            this.stream,
            `(${lastDelivered}`,
            COUNT_CAP,
          )) as number);
    const [next] = (await this.redis.xrange(
      this.stream,
      `(${lastDelivered}`,
      '+',
      'COUNT',
      1,
    )) as Entry[];
    const oldest = minId([pending?.[1] ?? undefined, next?.[0]].filter((id): id is string => !!id));
    return {
      lag: undelivered + pendingCount,
      oldestUnprocessedAgeMs: oldest ? Math.max(0, nowMs - idTimeMs(oldest)) : 0,
      dlqDepth,
      consumers,
    };
  }

  /** Where the monitor's alerts remember what they sent, for whichever process holds its lease next. */
  alertMemories(): AlertMemories {
    return redisAlertMemory(this.redis, this.key('alerts'));
  }

  async holdLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(LEASE, 1, this.key('lease', name), owner, ttlMs)) === 1;
  }

  async close(): Promise<void> {}
}
