import { hashTaggedHead } from '@edge/common';

/** The saga store's default key prefix. */
export const DEFAULT_SAGA_KEY_PREFIX = 'saga:';

/**
 * Where every key of a store begins: the prefix, then a hash tag made of it (`saga:` becomes
 * `saga:{saga}:`). The scripts combine a saga's keys with the shared due set, DLQ, fence and
 * stream, so in a Redis Cluster all of them must share one slot; a prefix that already carries a
 * tag is used as it is. Keys still start with the prefix, so `SCAN MATCH <prefix>*` finds them.
 */
export function sagaKeyHead(prefix: string): string {
  return hashTaggedHead(prefix);
}

/** The order event stream of the saga store whose key prefix is `prefix`. */
export function orderEventsStream(prefix: string): string {
  return `${sagaKeyHead(prefix)}events:order`;
}
