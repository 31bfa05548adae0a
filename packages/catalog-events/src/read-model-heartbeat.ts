import { hashTaggedHead } from '@edge/common';

/** Default prefix of every read-model key. */
export const DEFAULT_READ_MODEL_PREFIX = 'rm:';

/**
 * Where every read-model key begins: the prefix, then a hash tag made of it (`rm:` becomes
 * `rm:{rm}:`), unless the prefix already carries a tag. Keys still start with the prefix, so a
 * `MATCH <prefix>*` scan finds them all. It lives with the events because the lag monitor on the
 * write side reads the heartbeat key the projection writes under this head.
 */
export function readModelKeyHead(prefix: string): string {
  return hashTaggedHead(prefix);
}

/**
 * Hash: `ms`, the time (Redis clock) up to which the projection has applied every product
 * change; it only moves forward (projection-progress.ts in the projection).
 */
export function readModelHeartbeatKey(prefix: string): string {
  return `${readModelKeyHead(prefix)}heartbeat`;
}
