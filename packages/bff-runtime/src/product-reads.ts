import {
  Counter,
  createFailFastRedis,
  Gauge,
  type Logger,
  probeRedis,
  type Registry,
} from '@edge/common';
import { createProductReadModel, type ProductReadModel } from '@edge/projection';
import {
  type EntityReadModel,
  type Product,
  type ReadMany,
  type ReadModelFallbackReason,
  withReadModel,
} from '@edge/upstream';
import type { BffConfig } from './config.js';
import {
  type ProductLoaderView,
  productFromPartnerView,
  productFromWebView,
} from './product-view-mapping.js';

const FALLBACK_REASONS: readonly ReadModelFallbackReason[] = ['stale', 'miss', 'error'];

export interface ProductReadsOptions {
  /**
   * The BFF's read-model settings (REDIS_URL or REDIS_CLUSTER_NODES, STORE_MODE, READ_MODEL_PREFIX,
   * lag threshold).
   */
  config: BffConfig['readModel'];
  /** Which view serves the product loader: one that carries every field of `Product`. */
  view: ProductLoaderView;
  log: Logger;
  /** The process registry, so the fallback counter shows on the BFF's /metrics. */
  registry: Registry;
}

export interface ProductReads {
  /** The service's product batch read, served from the read model first when enabled. */
  decorate(read: ReadMany<Product>): ReadMany<Product>;
  close(): Promise<void>;
}

/** In memory mode there is no stream and no projection; `auto` uses Redis when it answers. */
async function wanted(config: BffConfig['readModel'], log: Logger): Promise<boolean> {
  const off = (why: string) => {
    log.info(
      { readModel: 'off' },
      `product read model off (${why}): products come from the service`,
    );
    return false;
  };
  switch (config.storeMode) {
    case 'memory':
      return off('STORE_MODE=memory');
    case 'auto':
      return (await probeRedis(config.redis)) ? true : off('Redis does not answer at start');
    case 'redis':
      // Redis down at start is not fatal here: reads fall back, counted, until it answers.
      return true;
  }
}

function adapt(readModel: ProductReadModel, view: ProductLoaderView): EntityReadModel<Product> {
  return {
    isFresh: () => readModel.isFresh(),
    getMany: async (ids) => {
      if (view === 'partner') {
        const { items, misses } = await readModel.getMany(ids, 'partner');
        return { items: items.map((v) => v && productFromPartnerView(v)), misses };
      }
      const { items, misses } = await readModel.getMany(ids, 'web');
      return { items: items.map((v) => v && productFromWebView(v)), misses };
    },
  };
}

/**
 * The BFF's product reads through the catalogue read model (docs/read-model.md): one fail-fast
 * Redis connection per process, so an outage falls back at once instead of queueing commands;
 * every fallback is counted in `bff_product_read_fallbacks_total{reason}`.
 */
export async function startProductReads(options: ProductReadsOptions): Promise<ProductReads> {
  const { config, log, registry } = options;
  if (!(await wanted(config, log))) {
    return { decorate: (read) => read, close: async () => {} };
  }
  const redis = createFailFastRedis(config.redis);
  let down = false;
  redis.on('error', (err) => {
    if (down) return;
    down = true;
    log.warn({ err }, 'read model Redis unreachable: product reads fall back to the service');
  });
  redis.on('ready', () => {
    if (down) log.info('read model Redis answers again');
    down = false;
  });
  const readModel = createProductReadModel(redis, {
    prefix: config.prefix,
    lagThresholdMs: config.lagThresholdMs,
  });
  const fallbacks = new Counter({
    name: 'bff_product_read_fallbacks_total',
    help: 'Product ids read from the product service instead of the read model, by reason (stale, miss, error)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Zero from the start, so a rate() over a fresh process and a test's before/after both work.
  for (const reason of FALLBACK_REASONS) fallbacks.inc({ reason }, 0);
  new Gauge({
    name: 'bff_product_read_model_lag_seconds',
    help: 'Projection lag as this BFF measures it (Redis clock); absent before the first heartbeat',
    registers: [registry],
    async collect() {
      // A scrape must not fail because Redis does: the fallback counter already says so.
      const lag = await readModel.lagMs().catch(() => null);
      if (lag === null) this.reset();
      else this.set(lag / 1000);
    },
  });
  log.info(
    { readModel: 'on', prefix: config.prefix, lagThresholdMs: config.lagThresholdMs },
    'product reads use the read model while it is fresh',
  );
  return {
    decorate: (read) =>
      withReadModel(read, adapt(readModel, options.view), {
        onFallback: (reason, count) => fallbacks.inc({ reason }, count),
      }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
