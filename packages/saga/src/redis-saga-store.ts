import { defineScript, type RedisClient } from '@edge/common';
import {
  DEFAULT_SAGA_KEY_PREFIX,
  ORDER_EVENT_FIELD,
  type OrderEvent,
  sagaKeyHead,
} from '@edge/order-events';
import {
  awaitDurability,
  DEFAULT_SAGA_DURABILITY,
  type SagaDurability,
} from './redis-durability.js';
import {
  type CancelRequest,
  SAGA_STATUSES,
  type Saga,
  type SagaEvent,
  type SagaStatus,
  TERMINAL_STATUSES,
} from './saga.js';
import { compensatingSince, DEFAULT_SAGA_RETENTION_MS } from './saga-retention.js';
import {
  type Claim,
  type ClaimRequest,
  type CompensationStats,
  type Created,
  type DlqStats,
  type Lease,
  LeaseLostError,
  type SagaStore,
  type StatusCounts,
} from './saga-store.js';

export interface RedisSagaStoreOptions {
  /** A client with its offline queue on: saga writes should wait out a blip, not fail fast. */
  redis: RedisClient;
  /** Prefix of every key, so tests and deployments can share one Redis; default `saga:`. */
  prefix?: string;
  /** What a transition waits for before it is acknowledged; default `none` (see redis-durability.ts). */
  durability?: SagaDurability;
  /** A finished saga's keys expire this long after it finished; default 30 days. */
  retentionMs?: number;
}

/**
 * Ids one SSCAN round trip asks for: a page of a big status set in a few trips, while each one
 * stays short on the Redis that also serves the workers' writes.
 */
const SCAN_BATCH = 1_000;

// Every script below is one atomic write: a crash (of the worker) lands between two of them.

// Insert unless the client key is taken (returns {id of whichever is stored, lease token or
// 0}). With an owner (ARGV[6]) the new saga is leased to it as CLAIM would, due at the expiry.
const CREATE = defineScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return {existing, 0} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'head', ARGV[2], 'status', ARGV[3])
redis.call('DEL', KEYS[4])
for i = 9, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
redis.call('SADD', ARGV[5] .. 'state:' .. ARGV[3], ARGV[1])
local token = 0
local due = ARGV[4]
if ARGV[6] ~= '' then
  token = redis.call('INCR', KEYS[6])
  redis.call('SET', KEYS[5], token .. ':' .. ARGV[6], 'PX', ARGV[7])
  due = tonumber(ARGV[8]) + tonumber(ARGV[7])
end
redis.call('ZADD', KEYS[3], due, ARGV[1])
return {ARGV[1], token}
`);

// A saga's record as a flat list: the whole record as one JSON (the layout before history
// lists) or '', its head (everything but the history) or '', then its history events. Nil when
// there is no such saga.
const RECORD = `
local function record(sagaKey, historyKey)
  local fields = redis.call('HMGET', sagaKey, 'json', 'head')
  if not fields[1] and not fields[2] then return nil end
  local out = {fields[1] or '', fields[2] or ''}
  if not fields[1] then
    for _, event in ipairs(redis.call('LRANGE', historyKey, 0, -1)) do table.insert(out, event) end
  end
  return out
end
`;

const READ = defineScript(`${RECORD}
return record(KEYS[1], KEYS[2]) or false
`);

// The lease value names its token and owner; the due score moves to the expiry so that a dead
// worker's saga surfaces again by itself.
const ACQUIRE = defineScript(`
if redis.call('EXISTS', KEYS[4]) == 0 then return false end
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], 'XX', tonumber(ARGV[4]) + tonumber(ARGV[2]), ARGV[3])
return token
`);

// ACQUIRE that also returns the cancel request (or '') and the record:
// {token, cancel, ...RECORD}.
const CLAIM = defineScript(`${RECORD}
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local rec = record(KEYS[4], KEYS[6])
if not rec then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], 'XX', tonumber(ARGV[4]) + tonumber(ARGV[2]), ARGV[3])
local out = {token, redis.call('GET', KEYS[5]) or ''}
for _, part in ipairs(rec) do table.insert(out, part) end
return out
`);

// ACQUIRE of every due saga up to a limit (ARGV: now, limit, key head, owner, ttl), returning
// for each one taken: id, token, cancel request (or ''), the length of its RECORD, the RECORD.
// Keys are built from the head: all of them carry the store's one hash tag.
const CLAIM_DUE = defineScript(`${RECORD}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local claimed = {}
for _, id in ipairs(ids) do
  local lease = ARGV[3] .. 'lease:' .. id
  if redis.call('EXISTS', lease) == 0 then
    local rec = record(ARGV[3] .. 'saga:' .. id, ARGV[3] .. 'hist:' .. id)
    if rec then
      local token = redis.call('INCR', KEYS[2])
      redis.call('SET', lease, token .. ':' .. ARGV[4], 'PX', ARGV[5])
      redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[5]), id)
      table.insert(claimed, id)
      table.insert(claimed, token)
      table.insert(claimed, redis.call('GET', ARGV[3] .. 'cancel:' .. id) or '')
      table.insert(claimed, #rec)
      for _, part in ipairs(rec) do table.insert(claimed, part) end
    end
  end
end
return claimed
`);

// Fenced: only the current lease holder writes. Head, history, status set, due set, DLQ and
// the order events of the transition change together. The history is a list that a write
// trims to the ARGV[16] events it keeps (a deferral replaces its start) and appends to (ARGV[17]
// events from ARGV[18]), so a step's write carries what the step added, not the whole record;
// ARGV[15] = 'full' replaces the whole history instead. Trimming to a length, not by a count,
// makes a write sent twice (ioredis re-sends a command left unanswered when the connection
// drops) leave the history as once: the order events it repeats carry the same ids. A record still in the layout before history lists
// (one 'json' field) answers -1 to a partial write, and the writer sends it in full once.
// The indexes kept by status (state sets, DLQ, compensating, retention) only move when the
// status does. With ARGV[13] = '1' the lease is released in the same write; a cancel the saga
// has not seen (one on record while it is still pending, running or completed: applying one
// makes it compensate) keeps it due now. The order events (field ARGV[14]) follow the history
// events. Returns {1, cancel request or ''}, 0 when the lease is not the writer's, or -1.
const SAVE = defineScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local full = ARGV[15] == 'full'
if not full and redis.call('HEXISTS', KEYS[1], 'json') == 1 then return -1 end
local old = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'head', ARGV[2], 'status', ARGV[3])
if full then
  redis.call('HDEL', KEYS[1], 'json')
  redis.call('DEL', KEYS[11])
else
  local keep = tonumber(ARGV[16])
  if keep == 0 then redis.call('DEL', KEYS[11]) else redis.call('LTRIM', KEYS[11], 0, keep - 1) end
end
local last = 17 + tonumber(ARGV[17])
for i = 18, last do redis.call('RPUSH', KEYS[11], ARGV[i]) end
for i = last + 1, #ARGV do redis.call('XADD', KEYS[5], '*', ARGV[14], ARGV[i]) end
if ARGV[9] ~= '' then redis.call('SET', KEYS[6], ARGV[6], 'KEEPTTL') end
local cancel = redis.call('GET', KEYS[8])
local due = ARGV[4]
if ARGV[13] == '1' then
  redis.call('DEL', KEYS[2])
  if cancel and (ARGV[3] == 'pending' or ARGV[3] == 'running' or ARGV[3] == 'completed') then
    due = ARGV[11]
  end
else
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
if due == '' then redis.call('ZREM', KEYS[3], ARGV[6]) else redis.call('ZADD', KEYS[3], due, ARGV[6]) end
local moved = old ~= ARGV[3]
if moved then
  if old then redis.call('SREM', ARGV[7] .. 'state:' .. old, ARGV[6]) end
  redis.call('SADD', ARGV[7] .. 'state:' .. ARGV[3], ARGV[6])
  if ARGV[3] == 'dead_lettered' then redis.call('ZADD', KEYS[4], ARGV[8], ARGV[6]) else redis.call('ZREM', KEYS[4], ARGV[6]) end
  if ARGV[12] ~= '' then redis.call('ZADD', KEYS[10], 'NX', ARGV[12], ARGV[6]) else redis.call('ZREM', KEYS[10], ARGV[6]) end
end
if moved or full then
  local kept = {KEYS[1], KEYS[7], KEYS[8], KEYS[11]}
  if ARGV[9] ~= '' then table.insert(kept, KEYS[6]) end
  if ARGV[10] ~= '' then
    for _, key in ipairs(kept) do redis.call('PEXPIRE', key, ARGV[10]) end
    redis.call('ZADD', KEYS[9], tonumber(ARGV[11]) + tonumber(ARGV[10]), ARGV[6])
  else
    for _, key in ipairs(kept) do redis.call('PERSIST', key) end
    redis.call('ZREM', KEYS[9], ARGV[6])
  end
end
return {1, cancel or ''}
`);

// The index entries of sagas whose keys have expired: state sets and schedules. A saga still
// present is looked at again when its key is due to expire (the writer's clock was behind the
// sweeper's, or its expiry was restarted), so its entries are never orphaned; one kept without
// expiry (a cancel revived it) leaves the schedule until it finishes again.
const SWEEP = defineScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local swept = 0
for _, id in ipairs(ids) do
  local ttl = redis.call('PTTL', ARGV[3] .. 'saga:' .. id)
  if ttl == -2 then
    for i = 4, #ARGV do redis.call('SREM', ARGV[3] .. 'state:' .. ARGV[i], id) end
    for i = 2, #KEYS do redis.call('ZREM', KEYS[i], id) end
    redis.call('ZREM', KEYS[1], id)
    swept = swept + 1
  elseif ttl > 0 then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + ttl, id)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return swept
`);

// Fenced like SAVE: only the current holder extends its lease; the due score follows the expiry.
const RENEW = defineScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'XX', tonumber(ARGV[4]) + tonumber(ARGV[2]), ARGV[3])
return 1
`);

// A cancel that arrived after the holder last looked keeps a saga that has not seen it due (as
// in SAVE), so it is not dropped between the holder's read and its release.
const RELEASE = defineScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
local due = ARGV[2]
if redis.call('EXISTS', KEYS[3]) == 1 then
  local status = redis.call('HGET', KEYS[4], 'status')
  if status == 'pending' or status == 'running' or status == 'completed' then due = ARGV[4] end
end
if due == '' then redis.call('ZREM', KEYS[2], ARGV[3]) else redis.call('ZADD', KEYS[2], due, ARGV[3]) end
return 1
`);

const CANCEL = defineScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
if redis.call('EXISTS', KEYS[3]) == 0 then return false end
redis.call('SET', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return ARGV[1]
`);

function cancelOf(json: string | null): CancelRequest | undefined {
  return json ? (JSON.parse(json) as CancelRequest) : undefined;
}

/** The record without its history, which lives in its own list. */
function headOf(saga: Saga): string {
  const { history: _history, ...head } = saga;
  return JSON.stringify(head);
}

/** A saga from RECORD's reply: the whole record in one JSON (older layout), or head and history. */
function sagaOf([json = '', head = '', ...history]: string[]): Saga {
  if (json !== '') return JSON.parse(json) as Saga;
  return { ...(JSON.parse(head) as Omit<Saga, 'history'>), history: history.map(parseEvent) };
}

function parseEvent(json: string): SagaEvent {
  return JSON.parse(json) as SagaEvent;
}

interface HistoryDelta {
  /** Events at the start of the stored history that the new one keeps (the rest it drops). */
  kept: number;
  appended: SagaEvent[];
}

/**
 * How `next`'s history differs from the stored `previous`: the engine only appends events, or
 * replaces the last ones (a deferral merging with its start), keeping the earlier event objects
 * as they were; a shorter common prefix than the real one costs bytes, never correctness.
 */
function historyDelta(previous: Saga, next: Saga): HistoryDelta {
  const max = Math.min(previous.history.length, next.history.length);
  let kept = 0;
  while (kept < max && previous.history[kept] === next.history[kept]) kept++;
  return { kept, appended: next.history.slice(kept) };
}

/**
 * Shared store for several worker processes. Keys, after `sagaKeyHead(prefix)`: `saga:<id>`
 * (hash: head, the record without its history, and status; a record written before history lists
 * has one `json` field instead, read as it is and rewritten in the new layout by its next write),
 * `hist:<id>` (list of history events), `lease:<id>` (token:owner, with expiry), `fence` (token counter), `idem:<clientKey>`,
 * `order:<orderId>`, `cancel:<id>`, `due` (zset by due time), `dlq` (zset by dead-letter time),
 * `state:<status>` (sets), `events:order` (stream), `compensating` (zset by compensation
 * start), `expiry` (zset by expiry time of finished sagas).
 *
 * Retention: when a saga finishes, its own keys get a TTL of `retentionMs`; `sweepExpired` then
 * drops the ids the sets and schedules still hold for them. A cancel that revives a finished
 * saga removes the TTL again.
 */
export class RedisSagaStore implements SagaStore {
  private readonly redis: RedisClient;
  private readonly durability: SagaDurability;
  private readonly retentionMs: number;
  /** What every key starts with, hash tag included. */
  readonly keyHead: string;

  constructor(options: RedisSagaStoreOptions) {
    this.redis = options.redis;
    this.durability = options.durability ?? DEFAULT_SAGA_DURABILITY;
    this.keyHead = sagaKeyHead(options.prefix ?? DEFAULT_SAGA_KEY_PREFIX);
    this.retentionMs = options.retentionMs ?? DEFAULT_SAGA_RETENTION_MS;
  }

  /** `<head><kind>` or `<head><kind>:<id>`; built on every write, so no array and no join. */
  private key(kind: string, id?: string): string {
    return id === undefined ? this.keyHead + kind : `${this.keyHead}${kind}:${id}`;
  }

  /** Name of the order event stream, for consumers. */
  get eventsKey(): string {
    return this.key('events', 'order');
  }

  private leaseValue(lease: Lease): string {
    return `${lease.token}:${lease.owner}`;
  }

  async create(saga: Saga, claimAs?: ClaimRequest): Promise<Created> {
    const [id, token] = (await CREATE(
      this.redis,
      [
        this.key('idem', saga.clientKey),
        this.key('saga', saga.id),
        this.key('due'),
        this.key('hist', saga.id),
        this.key('lease', saga.id),
        this.key('fence'),
      ],
      [
        saga.id,
        headOf(saga),
        saga.state.status,
        String(saga.dueAt ?? Date.now()),
        this.keyHead,
        claimAs?.owner ?? '',
        String(claimAs?.ttlMs ?? 0),
        String(Date.now()),
        ...saga.history.map((e) => JSON.stringify(e)),
      ],
    )) as [string, number];
    if (id === saga.id) {
      await awaitDurability(this.redis, this.durability);
      if (!claimAs) return { saga, created: true };
      const lease = { sagaId: id, owner: claimAs.owner, token };
      return { saga, created: true, claim: { lease, saga, cancel: undefined } };
    }
    const existing = await this.get(id);
    if (!existing) throw new Error(`idempotency index points to missing saga ${id}`);
    return { saga: existing, created: false };
  }

  async get(id: string): Promise<Saga | undefined> {
    const record = (await READ(this.redis, [this.key('saga', id), this.key('hist', id)], [])) as
      | string[]
      | null;
    return record === null ? undefined : sagaOf(record);
  }

  async getByOrderId(orderId: string): Promise<Saga | undefined> {
    const id = await this.redis.get(this.key('order', orderId));
    return id ? this.get(id) : undefined;
  }

  async acquireLease(sagaId: string, owner: string, ttlMs: number): Promise<Lease | undefined> {
    const token = (await ACQUIRE(
      this.redis,
      [this.key('lease', sagaId), this.key('fence'), this.key('due'), this.key('saga', sagaId)],
      [owner, String(ttlMs), sagaId, String(Date.now())],
    )) as number | null;
    return token === null ? undefined : { sagaId, owner, token };
  }

  async claim(sagaId: string, owner: string, ttlMs: number): Promise<Claim | undefined> {
    const reply = (await CLAIM(
      this.redis,
      [
        this.key('lease', sagaId),
        this.key('fence'),
        this.key('due'),
        this.key('saga', sagaId),
        this.key('cancel', sagaId),
        this.key('hist', sagaId),
      ],
      [owner, String(ttlMs), sagaId, String(Date.now())],
    )) as [number, string, ...string[]] | null;
    if (reply === null) return undefined;
    const [token, cancel, ...record] = reply;
    return { lease: { sagaId, owner, token }, saga: sagaOf(record), cancel: cancelOf(cancel) };
  }

  async claimDue(now: number, limit: number, owner: string, ttlMs: number): Promise<Claim[]> {
    const reply = (await CLAIM_DUE(
      this.redis,
      [this.key('due'), this.key('fence')],
      [String(now), String(limit), this.keyHead, owner, String(ttlMs)],
    )) as Array<string | number>;
    const claims: Claim[] = [];
    let i = 0;
    while (i + 3 < reply.length) {
      const length = Number(reply[i + 3]);
      const record = reply.slice(i + 4, i + 4 + length).map(String);
      claims.push({
        lease: { sagaId: String(reply[i]), owner, token: Number(reply[i + 1]) },
        saga: sagaOf(record),
        cancel: cancelOf(String(reply[i + 2])),
      });
      i += 4 + length;
    }
    return claims;
  }

  async save(
    saga: Saga,
    lease: Lease,
    ttlMs: number,
    events: readonly OrderEvent[] = [],
    previous?: Saga,
  ): Promise<CancelRequest | undefined> {
    return this.write({ saga, lease, ttlMs, events, previous, release: false });
  }

  async saveAndRelease(
    saga: Saga,
    lease: Lease,
    events: readonly OrderEvent[] = [],
    previous?: Saga,
  ): Promise<void> {
    await this.write({ saga, lease, ttlMs: 0, events, previous, release: true });
  }

  private async write(request: {
    saga: Saga;
    lease: Lease;
    ttlMs: number;
    events: readonly OrderEvent[];
    previous: Saga | undefined;
    release: boolean;
  }): Promise<CancelRequest | undefined> {
    const { saga, previous } = request;
    const delta = previous ? historyDelta(previous, saga) : undefined;
    let reply = await this.runSave(request, delta);
    // Written before history lists: sent in full once, then it is in the new layout.
    if (reply === -1) reply = await this.runSave(request, undefined);
    if (reply === 0 || reply === -1) throw new LeaseLostError(saga.id);
    await awaitDurability(this.redis, this.durability);
    return cancelOf(reply[1]);
  }

  private async runSave(
    request: {
      saga: Saga;
      lease: Lease;
      ttlMs: number;
      events: readonly OrderEvent[];
      release: boolean;
    },
    delta: HistoryDelta | undefined,
  ): Promise<[number, string] | 0 | -1> {
    const { saga, lease, ttlMs, events, release } = request;
    const deadAt = saga.state.status === 'dead_lettered' ? Date.parse(saga.state.at) : 0;
    const since = compensatingSince(saga);
    const appended = delta ? delta.appended : saga.history;
    return (await SAVE(
      this.redis,
      [
        this.key('saga', saga.id),
        this.key('lease', saga.id),
        this.key('due'),
        this.key('dlq'),
        this.eventsKey,
        this.key('order', saga.context.orderId ?? '-'),
        this.key('idem', saga.clientKey),
        this.key('cancel', saga.id),
        this.key('expiry'),
        this.key('compensating'),
        this.key('hist', saga.id),
      ],
      [
        this.leaseValue(lease),
        headOf(saga),
        saga.state.status,
        saga.dueAt === null ? '' : String(saga.dueAt),
        String(ttlMs),
        saga.id,
        this.keyHead,
        String(deadAt),
        saga.context.orderId ?? '',
        TERMINAL_STATUSES.has(saga.state.status) ? String(this.retentionMs) : '',
        String(Date.now()),
        since === null ? '' : String(since),
        release ? '1' : '0',
        ORDER_EVENT_FIELD,
        delta ? 'delta' : 'full',
        String(delta ? delta.kept : 0),
        String(appended.length),
        ...appended.map((e) => JSON.stringify(e)),
        ...events.map((e) => JSON.stringify(e)),
      ],
    )) as [number, string] | 0 | -1;
  }

  async renewLease(lease: Lease, ttlMs: number): Promise<boolean> {
    const ok = await RENEW(
      this.redis,
      [this.key('lease', lease.sagaId), this.key('due')],
      [this.leaseValue(lease), String(ttlMs), lease.sagaId, String(Date.now())],
    );
    return ok === 1;
  }

  async release(lease: Lease, dueAt: number | null): Promise<void> {
    await RELEASE(
      this.redis,
      [
        this.key('lease', lease.sagaId),
        this.key('due'),
        this.key('cancel', lease.sagaId),
        this.key('saga', lease.sagaId),
      ],
      [
        this.leaseValue(lease),
        dueAt === null ? '' : String(dueAt),
        lease.sagaId,
        String(Date.now()),
      ],
    );
    await awaitDurability(this.redis, this.durability);
  }

  async dueIds(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key('due'), '-inf', String(now), 'LIMIT', 0, limit);
  }

  async listByStatus(status: SagaStatus, limit: number): Promise<Saga[]> {
    const ids = await this.idsOf(status, limit);
    if (ids.length === 0) return [];
    const found = await Promise.all(ids.map((id) => this.get(id)));
    const sagas = found.filter((saga): saga is Saga => saga !== undefined);
    return sagas.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * Up to `limit` ids of a status. The DLQ is a sorted set: its oldest entries. The others are
   * plain sets that finished sagas fill by the ten thousand over a retention period, so they are
   * scanned until enough ids are found instead of being read whole.
   */
  private async idsOf(status: SagaStatus, limit: number): Promise<string[]> {
    if (status === 'dead_lettered') return this.redis.zrange(this.key('dlq'), 0, limit - 1);
    const key = this.key('state', status);
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.sscan(key, cursor, 'COUNT', SCAN_BATCH);
      // A scan may return an id twice when the set is resized between two calls.
      for (const id of batch) ids.add(id);
      cursor = next;
    } while (cursor !== '0' && ids.size < limit);
    return [...ids].slice(0, limit);
  }

  /**
   * One round trip of cardinalities. The DLQ is counted from its sorted set, the one
   * `listByStatus` and `dlqStats` read, so the three agree. A finished saga whose keys expired
   * is counted until `sweepExpired` drops its id (the leader's housekeeping, once a minute).
   */
  async countByStatus(): Promise<StatusCounts> {
    const pipeline = this.redis.pipeline();
    for (const status of SAGA_STATUSES) {
      if (status === 'dead_lettered') pipeline.zcard(this.key('dlq'));
      else pipeline.scard(this.key('state', status));
    }
    const replies = (await pipeline.exec()) ?? [];
    const counts = SAGA_STATUSES.map((status, i): [SagaStatus, number] => {
      const [error, count] = replies[i] ?? [new Error(`no reply for the ${status} count`)];
      if (error) throw error;
      return [status, Number(count)];
    });
    return Object.fromEntries(counts) as StatusCounts;
  }

  async dlqStats(): Promise<DlqStats> {
    const [depth, oldestAt] = await this.sizeAndOldest('dlq');
    return { depth, oldestAt };
  }

  async compensationStats(): Promise<CompensationStats> {
    const [pending, oldestSince] = await this.sizeAndOldest('compensating');
    return { pending, oldestSince };
  }

  /** A sorted set's size and its lowest score (its oldest entry's time), null when empty. */
  private async sizeAndOldest(set: string): Promise<[number, number | null]> {
    const [size, oldest] = await Promise.all([
      this.redis.zcard(this.key(set)),
      this.redis.zrange(this.key(set), 0, 0, 'WITHSCORES'),
    ]);
    const score = oldest[1];
    return [size, score === undefined ? null : Number(score)];
  }

  async sweepExpired(now: number, limit = 1_000): Promise<number> {
    return (await SWEEP(
      this.redis,
      [this.key('expiry'), this.key('due'), this.key('dlq'), this.key('compensating')],
      [String(now), String(limit), this.keyHead, ...TERMINAL_STATUSES],
    )) as number;
  }

  async requestCancel(sagaId: string, request: CancelRequest): Promise<CancelRequest> {
    const stored = (await CANCEL(
      this.redis,
      [this.key('cancel', sagaId), this.key('due'), this.key('saga', sagaId)],
      [JSON.stringify(request), String(Date.now()), sagaId],
    )) as string | null;
    if (stored === null) throw new Error(`no saga ${sagaId}`);
    await awaitDurability(this.redis, this.durability);
    return JSON.parse(stored) as CancelRequest;
  }

  async getCancelRequest(sagaId: string): Promise<CancelRequest | undefined> {
    return cancelOf(await this.redis.get(this.key('cancel', sagaId)));
  }

  async close(): Promise<void> {}
}
