import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import {
  createLogger,
  createMetrics,
  KnownRootOperationRule,
  type Logger,
  loadPublicKey,
  type Route,
  type RunningServer,
  type Surface,
  startHttpServer,
  startTracing,
} from '@edge/common';
import { createSagaClient } from '@edge/saga-client';
import { createServiceClients, createUpstreamMetrics, type ServiceClients } from '@edge/upstream';
import type { DocumentNode } from 'graphql';
import { apolloHandler } from './apollo-handler.js';
import type { BffConfig } from './config.js';
import { type BffContext, buildContext } from './context.js';
import { checkClientContracts } from './contract-check.js';
import { formatError } from './error-format.js';
import { createIdentityVerifier } from './identity.js';
import { startProductReads } from './product-reads.js';
import { DEFAULT_PRODUCT_LOADER_VIEW, type ProductLoaderView } from './product-view-mapping.js';
import { stalePlugin } from './stale-plugin.js';

export interface BffSchema {
  /** HTTP path this schema answers on, e.g. `/graphql` or `/v2/graphql`. */
  path: string;
  /** The edge surface whose registered client documents it must serve; default the BFF's. */
  contractSurface?: string;
  typeDefs: DocumentNode;
  /**
   * The schema's resolver map, typed at its definition by the generated `Resolvers` type of
   * that schema (src/generated), which is stricter than what buildSubgraphSchema accepts.
   */
  resolvers: object;
}

export interface BffOptions {
  /** Process name for logs and metrics, e.g. `bff-web`. */
  name: string;
  /** The surface this BFF serves: only edge tokens signed for its audience are accepted. */
  surface: Surface;
  config: BffConfig;
  schemas: BffSchema[];
  /** Read-model view behind the product loader; default `web` (full detail). */
  productView?: ProductLoaderView;
}

export interface RunningBff extends RunningServer {
  log: Logger;
  clients: ServiceClients;
}

/**
 * One BFF process: an Apollo subgraph per schema (so the edge's @apollo/gateway can compose it
 * and poll it for changes), shared resilient service clients, and per-request loaders.
 */
export async function startBff(options: BffOptions): Promise<RunningBff> {
  const { config, name } = options;
  const log = createLogger({ service: name, level: config.logLevel });
  const metrics = createMetrics(name);
  const tracing = await startTracing(name, config.tracing);
  const edgeKey = await loadPublicKey(config.edgePublicKeyFile);
  const verifyIdentity = createIdentityVerifier(edgeKey.key, options.surface);
  // Into the process registry, so /metrics shows breakers, stale hits and upstream latency.
  const upstreamMetrics = createUpstreamMetrics(metrics.registry);
  const serviceClients = createServiceClients({
    urls: config.services,
    policies: config.upstreams,
    metrics: upstreamMetrics,
  });
  const productReads = await startProductReads({
    config: config.readModel,
    view: options.productView ?? DEFAULT_PRODUCT_LOADER_VIEW,
    log,
    registry: metrics.registry,
  });
  // Product loads try the read model first; resolvers and loaders do not know which answered.
  const clients: ServiceClients = {
    ...serviceClients,
    products: productReads.decorate(serviceClients.products),
  };

  const orders = {
    // Through upstream's deadline and breaker like any service; the deadline covers the wait.
    saga: createSagaClient({
      baseUrl: config.sagaUrl,
      maxWaitMs: config.orderWaitMs,
      metrics: upstreamMetrics,
    }),
    waitMs: config.orderWaitMs,
  };

  const routes: Route[] = [];
  const servers: ApolloServer<BffContext>[] = [];
  const built = options.schemas.map((schema) => ({
    ...schema,
    surface: schema.contractSurface ?? options.surface,
    schema: buildSubgraphSchema([
      {
        typeDefs: schema.typeDefs,
        // Checked against the generated types where the map is written (see BffSchema).
        resolvers: schema.resolvers as GraphQLResolverMap<unknown>,
      },
    ]),
  }));
  await checkClientContracts(built, config.contracts, log);
  for (const schema of built) {
    const server = new ApolloServer<BffContext>({
      schema: schema.schema,
      formatError: (formatted, error) =>
        formatError(formatted, error, { hideSchemaHints: config.production }),
      // Inline tracing costs every request and the edge does not report to Apollo Studio.
      plugins: [ApolloServerPluginInlineTraceDisabled(), stalePlugin],
      includeStacktraceInErrorResponses: false,
      // graphql-js passes `subscription { ... }` on a schema without subscriptions to execution,
      // which fails it without a code (INTERNAL_SERVER_ERROR); refuse it as a validation error.
      validationRules: [KnownRootOperationRule],
      introspection: !config.production,
      // Apollo's own CSRF prevention stays on although the edge refuses non-JSON posts (415):
      // a BFF reachable by mistake must not run a browser's simple cross-site request either.
      csrfPrevention: true,
      logger: {
        debug: (m) => log.debug(m),
        info: (m) => log.info(m),
        warn: (m) => log.warn(m),
        error: (m) => log.error(m),
      },
    });
    await server.start();
    servers.push(server);
    const handler = apolloHandler(server, async (ctx) =>
      buildContext(ctx, await verifyIdentity(ctx), clients, orders),
    );
    routes.push({ method: 'POST', path: schema.path, handler, graphql: true });
  }

  const running = await startHttpServer({
    service: name,
    logger: log,
    metrics,
    routes,
    port: config.port,
    host: config.host,
  });
  return {
    ...running,
    log,
    clients,
    close: async () => {
      await running.close();
      await Promise.all(servers.map((s) => s.stop()));
      await clients.close();
      await productReads.close();
      await orders.saga.close();
      await tracing.shutdown();
    },
  };
}
