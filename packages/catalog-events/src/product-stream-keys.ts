import { hasHashTag } from '@edge/common';

/**
 * Key of the write model's epoch counter, in the same Redis Cluster slot as the stream
 * `stream`: a stream named with a hash tag gets `<stream>:epoch`; an untagged one (the default
 * `product-events`) gets `{<stream>}:epoch`, whose tag hashes exactly like the stream's own
 * name. Either way the stream key itself is unchanged, so existing consumer groups stay valid.
 */
export function productStreamEpochKey(stream: string): string {
  return hasHashTag(stream) ? `${stream}:epoch` : `{${stream}}:epoch`;
}

/**
 * Where the epoch counter lived before it was tagged. Read once when the tagged counter is
 * new, so an upgraded single node keeps counting up: a restart at epoch 1 under an old epoch 7
 * would make the projection skip every event as older.
 */
export function legacyProductStreamEpochKey(stream: string): string {
  return `${stream}:epoch`;
}

/**
 * The write side's heartbeat stream, capped at one entry: its id is when the write side last
 * beat, on Redis's clock. Kept out of the product stream (which is never trimmed) so beats do not
 * grow it, and in the product stream's slot (tagged like the epoch counter) so the projection
 * reads it in the same script as its consumer group's state.
 */
export function productHeartbeatStreamKey(stream: string): string {
  return hasHashTag(stream) ? `${stream}:heartbeat` : `{${stream}}:heartbeat`;
}
