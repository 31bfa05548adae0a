/** A Redis Cluster hash tag: the first `{...}` with something inside decides a key's slot. */
const HASH_TAG = /\{[^}]+\}/;

export function hasHashTag(key: string): boolean {
  return HASH_TAG.test(key);
}

/**
 * A key head whose keys all share one slot: the prefix itself when it already carries a tag,
 * else the prefix followed by a tag made of it (`rm:` becomes `rm:{rm}:`). Keys still start
 * with the prefix, so a `MATCH <prefix>*` scan finds them all.
 */
export function hashTaggedHead(prefix: string): string {
  return hasHashTag(prefix) ? prefix : `${prefix}{${prefix.replace(/:+$/, '')}}:`;
}
