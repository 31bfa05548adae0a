import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashTaggedHead, type RedisClient, redisNodes, scanNode } from '@edge/common';
import { DEFAULT_CONTRACTS_PREFIX } from './redis-document-store.js';

export const HOUR_MS = 3_600_000;

/** Requests and GraphQL cost one partner key spent in one hour. */
export interface HourlyUsage {
  partner: string;
  keyId: string;
  /** Start of the hour, epoch ms (UTC). */
  hour: number;
  requests: number;
  cost: number;
}

export interface UsageQuery {
  /** Only this partner; all when absent. */
  partner?: string;
  /** First hour included (floored to the hour), epoch ms. */
  from: number;
  /** End, exclusive, epoch ms. */
  to: number;
}

/** Storage port for partner usage: the edge adds, the CLI reads and exports. */
export interface UsageStore {
  add(usage: readonly HourlyUsage[]): Promise<void>;
  read(query: UsageQuery): Promise<HourlyUsage[]>;
  /** Delete the hours that started before `before` (exported ones); returns how many. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

/** The longest range one read covers (a year of hours), so a typo cannot scan for ever. */
export const MAX_USAGE_RANGE_HOURS = 366 * 24;

export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

function hoursIn({ from, to }: UsageQuery): number[] {
  const hours: number[] = [];
  for (let h = hourOf(from); h < to; h += HOUR_MS) hours.push(h);
  if (hours.length > MAX_USAGE_RANGE_HOURS) {
    throw new RangeError(`a usage range covers at most ${MAX_USAGE_RANGE_HOURS} hours`);
  }
  return hours;
}

// Fields `<partner>|<keyId>|requests` and `...|cost`; key ids never hold `|`, so the partner is
// everything before the last two separators.
const field = (u: Pick<HourlyUsage, 'partner' | 'keyId'>, what: 'requests' | 'cost') =>
  `${u.partner}|${u.keyId}|${what}`;

function rowsOf(hour: number, fields: Record<string, string | number>, partner?: string) {
  const rows = new Map<string, HourlyUsage>();
  for (const [name, value] of Object.entries(fields)) {
    const what = name.slice(name.lastIndexOf('|') + 1);
    const head = name.slice(0, name.lastIndexOf('|'));
    const keyId = head.slice(head.lastIndexOf('|') + 1);
    const owner = head.slice(0, head.lastIndexOf('|'));
    if (partner !== undefined && owner !== partner) continue;
    let row = rows.get(head);
    if (!row) {
      row = { partner: owner, keyId, hour, requests: 0, cost: 0 };
      rows.set(head, row);
    }
    if (what === 'requests') row.requests = Number(value);
    if (what === 'cost') row.cost = Number(value);
  }
  return [...rows.values()];
}

/**
 * One hash per hour (`<prefix>:usage:<ISO hour>`), in the contracts' hash slot. No TTL on
 * purpose: the edge Redis evicts TTL'd keys under memory pressure (volatile-lru), and billing
 * data must not vanish that way; `usage prune` deletes hours once they are exported.
 */
export function createRedisUsageStore(
  redis: RedisClient,
  prefix = DEFAULT_CONTRACTS_PREFIX,
): UsageStore {
  const head = hashTaggedHead(`${prefix}:`);
  const keyOf = (hour: number) => `${head}usage:${new Date(hour).toISOString()}`;
  return {
    add: async (usage) => {
      if (usage.length === 0) return;
      const multi = redis.multi();
      for (const u of usage) {
        const key = keyOf(u.hour);
        multi.hincrby(key, field(u, 'requests'), u.requests);
        multi.hincrby(key, field(u, 'cost'), u.cost);
      }
      await multi.exec();
    },
    read: async (query) => {
      const hours = hoursIn(query);
      const pipeline = redis.pipeline();
      for (const h of hours) pipeline.hgetall(keyOf(h));
      const answers = (await pipeline.exec()) ?? [];
      return hours.flatMap((h, i) => {
        const [err, fields] = answers[i] ?? [];
        if (err) throw err;
        return rowsOf(h, (fields ?? {}) as Record<string, string>, query.partner);
      });
    },
    prune: async (before) => {
      // A cluster client knows its masters only once it has loaded the slot map.
      await redis.ping();
      const keys = (
        await Promise.all(redisNodes(redis).map((node) => scanNode(node, `${head}usage:*`)))
      )
        .flat()
        .filter((key) => Date.parse(key.slice(`${head}usage:`.length)) < hourOf(before));
      if (keys.length > 0) await redis.unlink(...keys);
      return keys.length;
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

/** Embedded: `<dir>/partner-usage.json`, written by the one gateway of an embedded stack. */
export function createFileUsageStore(dir: string): UsageStore {
  const file = join(dir, 'partner-usage.json');
  const readAll = (): Record<string, Record<string, number>> => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, number>>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  };
  const save = (all: Record<string, Record<string, number>>) => {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all));
    renameSync(tmp, file);
  };
  return {
    add: async (usage) => {
      if (usage.length === 0) return;
      const all = readAll();
      for (const u of usage) {
        const hour = new Date(u.hour).toISOString();
        const fields = all[hour] ?? {};
        all[hour] = fields;
        fields[field(u, 'requests')] = (fields[field(u, 'requests')] ?? 0) + u.requests;
        fields[field(u, 'cost')] = (fields[field(u, 'cost')] ?? 0) + u.cost;
      }
      save(all);
    },
    read: async (query) => {
      const all = readAll();
      return hoursIn(query).flatMap((h) =>
        rowsOf(h, all[new Date(h).toISOString()] ?? {}, query.partner),
      );
    },
    prune: async (before) => {
      const all = readAll();
      const old = Object.keys(all).filter((hour) => Date.parse(hour) < hourOf(before));
      if (old.length === 0) return 0;
      for (const hour of old) delete all[hour];
      save(all);
      return old.length;
    },
    close: async () => {},
  };
}
