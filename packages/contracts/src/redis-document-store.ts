import { hashTaggedHead, type RedisClient } from '@edge/common';
import {
  type ClientVersion,
  type DocumentStore,
  type VersionUsage,
  versionKey,
} from './document-store.js';

/** Key prefix of every contract key in Redis. */
export const DEFAULT_CONTRACTS_PREFIX = 'edge:contracts';

/**
 * Layout, all keys in one hash slot (so MULTI works on a cluster):
 * `versions` hash client@version -> ClientVersion JSON; `documents` hash id -> body (shared by
 * versions, content-addressed); `stamp` counter bumped by every push and retire; `uses` hash
 * client@version#id -> count; `seen` hash client@version -> epoch ms of the last use flushed.
 */
export function createRedisDocumentStore(
  redis: RedisClient,
  prefix = DEFAULT_CONTRACTS_PREFIX,
): DocumentStore {
  const head = hashTaggedHead(`${prefix}:`);
  const keys = {
    versions: `${head}versions`,
    documents: `${head}documents`,
    stamp: `${head}stamp`,
    uses: `${head}uses`,
    seen: `${head}seen`,
  };
  const read = async (client: string, version: string) => {
    const raw = await redis.hget(keys.versions, versionKey(client, version));
    return raw ? (JSON.parse(raw) as ClientVersion) : undefined;
  };
  return {
    push: async (target, operations) => {
      const record: ClientVersion = {
        ...target,
        pushedAt: new Date().toISOString(),
        retiredAt: null,
        operations: operations.map(({ id, name, type }) => ({ id, name, type })),
      };
      const multi = redis.multi();
      if (operations.length > 0) {
        multi.hset(keys.documents, Object.fromEntries(operations.map((op) => [op.id, op.body])));
      }
      multi.hset(keys.versions, versionKey(target.client, target.version), JSON.stringify(record));
      multi.incr(keys.stamp);
      await multi.exec();
      return record;
    },
    retire: async (client, version) => {
      const record = await read(client, version);
      if (!record) return undefined;
      const retired = { ...record, retiredAt: record.retiredAt ?? new Date().toISOString() };
      await redis
        .multi()
        .hset(keys.versions, versionKey(client, version), JSON.stringify(retired))
        .incr(keys.stamp)
        .exec();
      return retired;
    },
    versions: async () =>
      Object.values(await redis.hgetall(keys.versions)).map(
        (raw) => JSON.parse(raw) as ClientVersion,
      ),
    bodies: async (ids) => {
      if (ids.length === 0) return new Map();
      const found = await redis.hmget(keys.documents, ...ids);
      const bodies = new Map<string, string>();
      ids.forEach((id, i) => {
        const body = found[i];
        if (body) bodies.set(id, body);
      });
      return bodies;
    },
    stamp: async () => (await redis.get(keys.stamp)) ?? '0',
    recordUses: async (uses, at) => {
      if (uses.length === 0) return;
      const multi = redis.multi();
      const seen: Record<string, string> = {};
      for (const use of uses) {
        const version = versionKey(use.client, use.version);
        multi.hincrby(keys.uses, `${version}#${use.id}`, use.count);
        seen[version] = String(at);
      }
      multi.hset(keys.seen, seen);
      await multi.exec();
    },
    usage: async () => {
      const [uses, seen] = await Promise.all([redis.hgetall(keys.uses), redis.hgetall(keys.seen)]);
      return usageFrom(uses, seen);
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

/** Fold `client@version#id -> count` and `client@version -> ms` into one row per version. */
export function usageFrom(
  uses: Record<string, string | number>,
  seen: Record<string, string | number>,
): VersionUsage[] {
  const rows = new Map<string, VersionUsage>();
  const row = (key: string) => {
    let found = rows.get(key);
    if (!found) {
      const at = key.lastIndexOf('@');
      found = {
        client: key.slice(0, at),
        version: key.slice(at + 1),
        lastSeenAt: seen[key] === undefined ? undefined : Number(seen[key]),
        byDocument: {},
      };
      rows.set(key, found);
    }
    return found;
  };
  for (const [field, count] of Object.entries(uses)) {
    const hash = field.lastIndexOf('#');
    row(field.slice(0, hash)).byDocument[field.slice(hash + 1)] = Number(count);
  }
  for (const key of Object.keys(seen)) row(key);
  return [...rows.values()];
}
