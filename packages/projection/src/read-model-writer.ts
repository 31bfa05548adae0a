import type { ProductEvent } from '@edge/catalog-events';
import type { RedisClient } from '@edge/common';
import type { ReadModelKeys } from './read-model-keys.js';
import { buildProductViews, PRODUCT_VIEW_NAMES } from './read-model-views.js';

/** Lua: is stream id a newer than b (`<ms>-<seq>` compared as numbers, not strings)? */
const NEWER_ID = `
local function newer(a, b)
  if not b then return true end
  local am, as = string.match(a, '(%d+)-(%d+)')
  local bm, bs = string.match(b, '(%d+)-(%d+)')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am > bm or (am == bm and as > bs)
end`;

/**
 * Apply one product state, atomically, only if it is newer by (epoch, version) than what the
 * namespace shows: a redelivered or replayed event is a counted no-op, so the projection is
 * idempotent by version and at-least-once delivery becomes exactly-once application.
 * KEYS: ns, meta, state, web, mobile, partner. ARGV: ns, epoch, version, eventId, web, mobile,
 * partner, checkNs. With checkNs = 1 the write is refused (-1) when `ns` is no longer the live
 * namespace, so the live projector never writes into a namespace a rebuild just replaced.
 */
const APPLY_SCRIPT = `${NEWER_ID}
if ARGV[8] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local cur = redis.call('HMGET', KEYS[3], 'epoch', 'version')
local e, v = tonumber(cur[1]) or -1, tonumber(cur[2]) or -1
local ne, nv = tonumber(ARGV[2]), tonumber(ARGV[3])
local applied = 0
if ne > e or (ne == e and nv > v) then
  redis.call('HSET', KEYS[3], 'epoch', ARGV[2], 'version', ARGV[3], 'eventId', ARGV[4])
  redis.call('SET', KEYS[4], ARGV[5])
  redis.call('SET', KEYS[5], ARGV[6])
  redis.call('SET', KEYS[6], ARGV[7])
  redis.call('HINCRBY', KEYS[2], 'applied', 1)
  applied = 1
else
  redis.call('HINCRBY', KEYS[2], 'skipped', 1)
end
if newer(ARGV[4], redis.call('HGET', KEYS[2], 'lastEventId')) then
  redis.call('HSET', KEYS[2], 'lastEventId', ARGV[4])
end
return applied`;

/**
 * An entry that does not decode: drop the views of the product it names, if it names one, so
 * reads of it go to the service instead of showing the state before a change nobody applied. The
 * state hash stays, so a redelivered older event cannot bring the old views back; the next
 * decodable change of that product does. The live projector also keeps the entry in a capped
 * dead-letter stream; the rebuild only drops (the live projector kept it already).
 * KEYS: ns, meta, dead letters, then the product's views (none without an id).
 * ARGV: ns, live, entry id, product id, event text, max dead letters.
 */
const DROP_SCRIPT = `
if ARGV[2] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('HINCRBY', KEYS[2], 'invalid', 1)
if ARGV[2] == '1' then
  redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[6], '*',
    'entry', ARGV[3], 'product', ARGV[4], 'event', ARGV[5])
end
return 0`;

/** Text kept of one dead letter, so the capped stream is bounded in bytes too. */
const MAX_DEAD_LETTER_CHARS = 16_384;

/**
 * KEYS: ns, old meta, new meta. ARGV: old ns, new ns. Swap only if the new namespace has seen
 * every event the live one applied; else answer 'behind' and the rebuild reads on.
 */
const SWAP_SCRIPT = `${NEWER_ID}
local live = redis.call('GET', KEYS[1])
if live and live ~= ARGV[1] then return 'moved' end
local old = redis.call('HGET', KEYS[2], 'lastEventId')
local new = redis.call('HGET', KEYS[3], 'lastEventId')
if old and (not new or newer(old, new)) then return 'behind' end
redis.call('SET', KEYS[1], ARGV[2])
return 'ok'`;

export type StreamEntry =
  | { id: string; event: ProductEvent }
  /** Not a valid event: its text, and the product it names when that much can be read. */
  | { id: string; event: undefined; text: string; productId: string | undefined };

/** How the live projector applies, apart from the rebuild. */
export interface LiveApply {
  /** Undecodable entries kept in the read model's dead-letter stream (oldest dropped first). */
  maxDeadLetters: number;
}

export interface ApplyOutcome {
  applied: number;
  skipped: number;
  heartbeats: number;
  invalid: number;
  /** True when the namespace was swapped under us: nothing of this batch may be acked. */
  moved: boolean;
}

/**
 * Apply a batch of entries in stream order, in one pipeline (one round trip). Every key is in the
 * read model's one slot (read-model-keys.ts), so on a cluster the pipeline goes to one node.
 * `live` is set for the live projector: its writes are refused once a rebuild replaced `ns`, and
 * it keeps dead letters; the rebuild passes undefined.
 */
export async function applyEntries(
  redis: RedisClient,
  keys: ReadModelKeys,
  ns: string,
  entries: readonly StreamEntry[],
  live: LiveApply | undefined,
): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { applied: 0, skipped: 0, heartbeats: 0, invalid: 0, moved: false };
  if (entries.length === 0) return outcome;
  const checkNs = live !== undefined;
  const pipeline = redis.pipeline();
  const kinds: Array<'product' | 'invalid'> = [];
  for (const entry of entries) {
    const { id } = entry;
    if (entry.event === undefined) {
      const { productId } = entry;
      const views = productId
        ? PRODUCT_VIEW_NAMES.map((view) => keys.view(ns, productId, view))
        : [];
      pipeline.eval(
        DROP_SCRIPT,
        3 + views.length,
        keys.ns,
        keys.meta(ns),
        keys.deadLetters,
        ...views,
        ns,
        checkNs ? '1' : '0',
        id,
        productId ?? '',
        entry.text.slice(0, MAX_DEAD_LETTER_CHARS),
        String(live?.maxDeadLetters ?? 0),
      );
      kinds.push('invalid');
    } else if (entry.event.type === 'heartbeat') {
      // A beat the write side wrote into the product stream before beats had their own stream:
      // nothing to write; the projector takes its time as a beat (projection-progress.ts).
      outcome.heartbeats += 1;
    } else {
      const event = entry.event;
      const views = buildProductViews(event.product);
      const productId = event.product.id;
      pipeline.eval(
        APPLY_SCRIPT,
        6,
        keys.ns,
        keys.meta(ns),
        keys.state(ns, productId),
        ...PRODUCT_VIEW_NAMES.map((view) => keys.view(ns, productId, view)),
        ns,
        String(event.epoch),
        String(event.product.version),
        id,
        ...PRODUCT_VIEW_NAMES.map((view) => JSON.stringify(views[view])),
        checkNs ? '1' : '0',
      );
      kinds.push('product');
    }
  }
  const results = (await pipeline.exec()) ?? [];
  results.forEach(([err, value], i) => {
    if (err) throw err;
    const kind = kinds[i];
    if (value === -1) outcome.moved = true;
    else if (kind === 'invalid') outcome.invalid += 1;
    else if (value === 1) outcome.applied += 1;
    else outcome.skipped += 1;
  });
  return outcome;
}

/** Try to make `newNs` the live namespace; see SWAP_SCRIPT. */
export async function swapNamespace(
  redis: RedisClient,
  keys: ReadModelKeys,
  oldNs: string,
  newNs: string,
): Promise<'ok' | 'behind' | 'moved'> {
  const answer = await redis.eval(
    SWAP_SCRIPT,
    3,
    keys.ns,
    keys.meta(oldNs),
    keys.meta(newNs),
    oldNs,
    newNs,
  );
  if (answer === 'ok' || answer === 'behind' || answer === 'moved') return answer;
  throw new Error(`unexpected swap answer: ${String(answer)}`);
}

/** The live namespace, created as `v1` the first time anyone asks. */
export async function liveNamespace(redis: RedisClient, keys: ReadModelKeys): Promise<string> {
  const current = await redis.get(keys.ns);
  if (current !== null) return current;
  await redis.set(keys.ns, 'v1', 'NX');
  return (await redis.get(keys.ns)) ?? 'v1';
}
