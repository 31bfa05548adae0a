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
import { type CancelRequest, type Saga, type SagaStatus, TERMINAL_STATUSES } from './saga.js';
import { compensatingSince, DEFAULT_SAGA_RETENTION_MS } from './saga-retention.js';
import {
  type Claim,
  type CompensationStats,
  type DlqStats,
  type Lease,
  LeaseLostError,
  type SagaStore,
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

// Every script below is one atomic write: a crash (of the worker) lands between two of them.

const CREATE = defineScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'json', ARGV[2], 'status', ARGV[3])
redis.call('SADD', ARGV[5] .. 'state:' .. ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return ARGV[1]
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

// ACQUIRE that also returns the record and the cancel request (or ''): {token, json, cancel}.
const CLAIM = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local json = redis.call('HGET', KEYS[4], 'json')
if not json then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], 'XX', tonumber(ARGV[4]) + tonumber(ARGV[2]), ARGV[3])
return {token, json, redis.call('GET', KEYS[5]) or ''}
`);

// ACQUIRE of every due saga up to a limit (ARGV: now, limit, key head, owner, ttl), returning
// id, token, record and cancel request (or '') of each one taken. Keys are built from the head:
// all of them carry the store's one hash tag.
const CLAIM_DUE = defineScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local claimed = {}
for _, id in ipairs(ids) do
  local lease = ARGV[3] .. 'lease:' .. id
  if redis.call('EXISTS', lease) == 0 then
    local json = redis.call('HGET', ARGV[3] .. 'saga:' .. id, 'json')
    if json then
      local token = redis.call('INCR', KEYS[2])
      redis.call('SET', lease, token .. ':' .. ARGV[4], 'PX', ARGV[5])
      redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[5]), id)
      local cancel = redis.call('GET', ARGV[3] .. 'cancel:' .. id) or ''
      table.insert(claimed, id)
      table.insert(claimed, token)
      table.insert(claimed, json)
      table.insert(claimed, cancel)
    end
  end
end
return claimed
`);

// Fenced: only the current lease holder writes. Record, status set, due set, DLQ and the
// order events of the transition (ARGV[15...], field name ARGV[14]) change together. The
// indexes kept by status (state sets, DLQ, compensating, retention) only move when the status
// does: most writes are a step's progress within one status. With ARGV[13] = '1' the lease is
// released in the same write; a cancel the saga has not seen (one on record while it is still
// pending, running or completed: applying one makes it compensate) keeps it due now.
// Returns {1, cancel request or ''}, or 0 when the lease is not the writer's.
const SAVE = defineScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local old = redis.call('HGET', KEYS[1], 'status')
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'status', ARGV[3])
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
for i = 15, #ARGV do redis.call('XADD', KEYS[5], '*', ARGV[14], ARGV[i]) end
if old == ARGV[3] then return {1, cancel or ''} end
if old then redis.call('SREM', ARGV[7] .. 'state:' .. old, ARGV[6]) end
redis.call('SADD', ARGV[7] .. 'state:' .. ARGV[3], ARGV[6])
if ARGV[3] == 'dead_lettered' then redis.call('ZADD', KEYS[4], ARGV[8], ARGV[6]) else redis.call('ZREM', KEYS[4], ARGV[6]) end
if ARGV[12] ~= '' then redis.call('ZADD', KEYS[10], 'NX', ARGV[12], ARGV[6]) else redis.call('ZREM', KEYS[10], ARGV[6]) end
local kept = {KEYS[1], KEYS[7], KEYS[8]}
if ARGV[9] ~= '' then table.insert(kept, KEYS[6]) end
if ARGV[10] ~= '' then
  for _, key in ipairs(kept) do redis.call('PEXPIRE', key, ARGV[10]) end
  redis.call('ZADD', KEYS[9], tonumber(ARGV[11]) + tonumber(ARGV[10]), ARGV[6])
else
  for _, key in ipairs(kept) do redis.call('PERSIST', key) end
  redis.call('ZREM', KEYS[9], ARGV[6])
end
return {1, cancel or ''}
`);

// The index entries of sagas whose keys have expired: state sets and schedules. A saga still
// present (its retention was restarted by a cancel) is left for a later sweep.
const SWEEP = defineScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local swept = 0
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[3] .. 'saga:' .. id) == 0 then
    for i = 4, #ARGV do redis.call('SREM', ARGV[3] .. 'state:' .. ARGV[i], id) end
    for i = 2, #KEYS do redis.call('ZREM', KEYS[i], id) end
    swept = swept + 1
  end
  redis.call('ZREM', KEYS[1], id)
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

function claimOf(lease: Lease, json: string, cancel: string): Claim {
  return { lease, saga: JSON.parse(json) as Saga, cancel: cancelOf(cancel) };
}

/**
 * Shared store for several worker processes. Keys, after `sagaKeyHead(prefix)`: `saga:<id>` (hash: json, status),
 * `lease:<id>` (token:owner, with expiry), `fence` (token counter), `idem:<clientKey>`,
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

  private key(...parts: string[]): string {
    return this.keyHead + parts.join(':');
  }

  /** Name of the order event stream, for consumers. */
  get eventsKey(): string {
    return this.key('events', 'order');
  }

  private leaseValue(lease: Lease): string {
    return `${lease.token}:${lease.owner}`;
  }

  async create(saga: Saga): Promise<{ saga: Saga; created: boolean }> {
    const id = (await CREATE(
      this.redis,
      [this.key('idem', saga.clientKey), this.key('saga', saga.id), this.key('due')],
      [
        saga.id,
        JSON.stringify(saga),
        saga.state.status,
        String(saga.dueAt ?? Date.now()),
        this.keyHead,
      ],
    )) as string;
    if (id === saga.id) {
      await awaitDurability(this.redis, this.durability);
      return { saga, created: true };
    }
    const existing = await this.get(id);
    if (!existing) throw new Error(`idempotency index points to missing saga ${id}`);
    return { saga: existing, created: false };
  }

  async get(id: string): Promise<Saga | undefined> {
    const json = await this.redis.hget(this.key('saga', id), 'json');
    return json ? (JSON.parse(json) as Saga) : undefined;
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
      ],
      [owner, String(ttlMs), sagaId, String(Date.now())],
    )) as [number, string, string] | null;
    if (reply === null) return undefined;
    const [token, json, cancel] = reply;
    return claimOf({ sagaId, owner, token }, json, cancel);
  }

  async claimDue(now: number, limit: number, owner: string, ttlMs: number): Promise<Claim[]> {
    const reply = (await CLAIM_DUE(
      this.redis,
      [this.key('due'), this.key('fence')],
      [String(now), String(limit), this.keyHead, owner, String(ttlMs)],
    )) as Array<string | number>;
    const claims: Claim[] = [];
    for (let i = 0; i + 3 < reply.length; i += 4) {
      const lease = { sagaId: String(reply[i]), owner, token: Number(reply[i + 1]) };
      claims.push(claimOf(lease, String(reply[i + 2]), String(reply[i + 3])));
    }
    return claims;
  }

  async save(
    saga: Saga,
    lease: Lease,
    ttlMs: number,
    events: readonly OrderEvent[] = [],
  ): Promise<CancelRequest | undefined> {
    return this.write(saga, lease, ttlMs, events, false);
  }

  async saveAndRelease(
    saga: Saga,
    lease: Lease,
    events: readonly OrderEvent[] = [],
  ): Promise<void> {
    await this.write(saga, lease, 0, events, true);
  }

  private async write(
    saga: Saga,
    lease: Lease,
    ttlMs: number,
    events: readonly OrderEvent[],
    release: boolean,
  ): Promise<CancelRequest | undefined> {
    const deadAt = saga.state.status === 'dead_lettered' ? Date.parse(saga.state.at) : 0;
    const since = compensatingSince(saga);
    const reply = (await SAVE(
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
      ],
      [
        this.leaseValue(lease),
        JSON.stringify(saga),
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
        ...events.map((e) => JSON.stringify(e)),
      ],
    )) as [number, string] | 0;
    if (reply === 0) throw new LeaseLostError(saga.id);
    await awaitDurability(this.redis, this.durability);
    return cancelOf(reply[1]);
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
    const ids =
      status === 'dead_lettered'
        ? await this.redis.zrange(this.key('dlq'), 0, limit - 1)
        : (await this.redis.smembers(this.key('state', status))).slice(0, limit);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.key('saga', id), 'json');
    const results = (await pipeline.exec()) ?? [];
    const sagas: Saga[] = [];
    for (const [error, json] of results) {
      if (!error && typeof json === 'string') sagas.push(JSON.parse(json) as Saga);
    }
    return sagas.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async dlqStats(): Promise<DlqStats> {
    const [depth, oldest] = await Promise.all([
      this.redis.zcard(this.key('dlq')),
      this.redis.zrange(this.key('dlq'), 0, 0, 'WITHSCORES'),
    ]);
    const score = oldest[1];
    return { depth, oldestAt: score === undefined ? null : Number(score) };
  }

  async compensationStats(): Promise<CompensationStats> {
    const [pending, oldest] = await Promise.all([
      this.redis.zcard(this.key('compensating')),
      this.redis.zrange(this.key('compensating'), 0, 0, 'WITHSCORES'),
    ]);
    const score = oldest[1];
    return { pending, oldestSince: score === undefined ? null : Number(score) };
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
