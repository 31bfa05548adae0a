import {
  encodeProductEvent,
  legacyProductStreamEpochKey,
  type ProductChangeType,
  type ProductEvent,
  type ProductState,
  productHeartbeatStreamKey,
  productStreamEpochKey,
} from '@edge/catalog-events';
import type { Logger, RedisClient } from '@edge/common';

/** Where product changes go; the in-memory mock has none (`NO_PRODUCT_EVENTS`). */
export interface ProductEventSink {
  /** Resolves true once the event is in the stream; false when it could not be written. */
  change(
    type: Exclude<ProductChangeType, 'product_snapshot'>,
    product: ProductState,
    actor: string,
    reason: string,
  ): Promise<boolean>;
  /** A new write-model epoch: every product as it is now (start and `/__reset`). */
  snapshot(products: readonly ProductState[]): Promise<boolean>;
  heartbeat(): Promise<boolean>;
  close(): Promise<void>;
}

export const NO_PRODUCT_EVENTS: ProductEventSink = Object.freeze({
  change: async () => true,
  snapshot: async () => true,
  heartbeat: async () => true,
  close: async () => {},
});

export const DEFAULT_HEARTBEAT_MS = 2_000;

export interface RedisProductEventsOptions {
  /** One node or a cluster: the stream and its epoch counter share a slot either way. */
  redis: RedisClient;
  /** Stream key, prefix included. */
  stream: string;
  log: Logger;
  /** Heartbeat period; default DEFAULT_HEARTBEAT_MS; 0 = none. */
  heartbeatMs?: number;
}

/**
 * Appends product events to a Redis stream, strictly in the order the write model changed:
 * every append goes through one promise chain, so an epoch bump, a snapshot and the change
 * that follows can never overtake one another, even across a reconnect.
 */
export function createRedisProductEvents(options: RedisProductEventsOptions): ProductEventSink {
  const { redis, stream, log } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let epoch = 0;
  let tail: Promise<unknown> = Promise.resolve();

  const enqueue = (what: string, write: () => Promise<unknown>): Promise<boolean> => {
    const done = tail.then(write).then(
      () => true,
      (err: unknown) => {
        // The write model already changed: the read model will miss this until the next
        // snapshot (restart or reset). Said loudly, since the projection cannot know.
        log.error({ err, what }, 'product event not published');
        return false;
      },
    );
    tail = done;
    return done;
  };
  const add = (event: ProductEvent) => redis.xadd(stream, '*', ...encodeProductEvent(event));
  const heartbeatStream = productHeartbeatStreamKey(stream);
  // Only the newest beat matters (its id is the time), so its stream keeps one entry: in the
  // product stream, which is never trimmed, a beat every 2 s adds about 3 MB a day.
  const beat = () =>
    redis.xadd(
      heartbeatStream,
      'MAXLEN',
      1,
      '*',
      ...encodeProductEvent({ type: 'heartbeat', at: new Date().toISOString() }),
    );
  const epochKey = productStreamEpochKey(stream);
  const legacyEpochKey = legacyProductStreamEpochKey(stream);
  const nextEpoch = async (): Promise<number> => {
    const next = await redis.incr(epochKey);
    if (next !== 1 || legacyEpochKey === epochKey) return next;
    // A fresh tagged counter on a Redis that still has the untagged one: continue from it.
    const legacy = Number(await redis.get(legacyEpochKey));
    return legacy > 0 ? redis.incrby(epochKey, legacy) : next;
  };

  const timer =
    heartbeatMs > 0
      ? setInterval(() => {
          void enqueue('heartbeat', beat);
        }, heartbeatMs)
      : undefined;
  timer?.unref();

  return {
    change: (type, product, actor, reason) => {
      const state = { ...product };
      return enqueue(type, () =>
        add({ type, epoch, actor, reason, at: new Date().toISOString(), product: state }),
      );
    },
    snapshot: (products) => {
      const states = products.map((p) => ({ ...p }));
      return enqueue('product_snapshot', async () => {
        // Epochs come from Redis so they grow across restarts of this process.
        epoch = await nextEpoch();
        const at = new Date().toISOString();
        const pipeline = redis.pipeline();
        for (const product of states) {
          const event: ProductEvent = {
            type: 'product_snapshot',
            epoch,
            actor: 'system',
            reason: 'write model started or reset',
            at,
            product,
          };
          pipeline.xadd(stream, '*', ...encodeProductEvent(event));
        }
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([err]) => err);
        if (failed?.[0]) throw failed[0];
      });
    },
    heartbeat: () => enqueue('heartbeat', beat),
    close: async () => {
      clearInterval(timer);
      await tail;
    },
  };
}
