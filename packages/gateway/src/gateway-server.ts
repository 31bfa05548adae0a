import { join } from 'node:path';
import {
  AppError,
  createFailFastRedis,
  createLogger,
  createMetrics,
  ErrorCode,
  type Logger,
  loadOrCreateSigningKey,
  type RedisClient,
  type Route,
  type RunningServer,
  resolveStoreKind,
  startHttpServer,
  startTracing,
} from '@edge/common';
import {
  createFileDocumentStore,
  createFileUsageStore,
  createRedisDocumentStore,
  createRedisUsageStore,
  type DocumentStore,
  type UsageStore,
} from '@edge/contracts';
import { type Authenticator, createAuthenticator } from './auth.js';
import { clientAddressOf } from './client-address.js';
import { createContractResolver } from './client-contracts.js';
import { createCompositionCache } from './composition-cache.js';
import type { GatewayConfig } from './config.js';
import { preflightHandler } from './cors.js';
import { deprecationHeaders } from './deprecation.js';
import { createDeprecationSignals } from './deprecation-signals.js';
import { DEV_JWKS_PATH, devIdpRoute } from './dev-idp.js';
import { documentSet, startDocumentRegistry } from './document-registry.js';
import { createDocumentUses } from './document-uses.js';
import { createEdgeMetrics } from './edge-metrics.js';
import { edgeRoute } from './edge-route.js';
import { createForwarder } from './forward.js';
import { createInFlightLimit } from './in-flight-limit.js';
import { createInternalSigner, type InternalSigner } from './internal-signer.js';
import { createIntrospectionAnswers } from './introspection.js';
import { createJwksObserver } from './jwks-observer.js';
import { createJwksSource, type JwksHealth } from './jwks-source.js';
import { createJwtVerifier } from './jwt.js';
import { createFileKeyStore, createRedisKeyStore, type KeyStore } from './key-store.js';
import { withPartnerUsage } from './partner-usage.js';
import { createPersistedQueries, loadTrustedDocuments } from './persisted-queries.js';
import { createRateLimiter } from './rate-limit.js';
import { createSchemaComposer, type SchemaComposer } from './schema-composition.js';
import { loadSurfaceSchema, type SurfaceSchema } from './schema-registry.js';
import { type SurfaceDef, surfacesFrom } from './surfaces.js';
import { createValidator, type Validator, type ValidatorOptions } from './validate.js';

/** Wait between attempts to load a BFF's schema that is not up yet. */
const SCHEMA_RETRY_MS = 1000;

export interface RunningGateway extends RunningServer {
  log: Logger;
  /** The admin listener (/metrics, detailed /readyz) when it is apart from the public port. */
  adminUrl: string | undefined;
}

interface Stores {
  keys: KeyStore;
  documents: DocumentStore;
  usage: UsageStore;
  /** The limiter's and key store's connection; absent with the embedded (file/memory) stores. */
  redis: RedisClient | undefined;
}

async function openStores(config: GatewayConfig, log: Logger): Promise<Stores> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, log);
  if (kind !== 'redis') {
    return {
      keys: createFileKeyStore(join(config.dataDir, 'partner-keys.json')),
      documents: createFileDocumentStore(join(config.dataDir, 'contracts')),
      usage: createFileUsageStore(join(config.dataDir, 'contracts')),
      redis: undefined,
    };
  }
  // Auto-pipelining lets the request counter and the cost budget share one round trip.
  const redis = createFailFastRedis(config.redis, { enableAutoPipelining: true });
  // Outages are reported by the limiter (metric and one warn per outage), not per reconnect.
  redis.on('error', () => {});
  return {
    keys: createRedisKeyStore(redis),
    documents: createRedisDocumentStore(redis, config.contracts.prefix),
    usage: createRedisUsageStore(redis, config.contracts.prefix),
    redis,
  };
}

interface BackgroundSchema {
  get(): SurfaceSchema | undefined;
  stop(): Promise<void>;
}

/**
 * Loads a surface's schema in the background, retrying until its BFF answers, so the edge can
 * start before (or without) any BFF; until then that surface answers UPSTREAM_UNAVAILABLE.
 */
function backgroundSchema(
  surface: SurfaceDef,
  sign: InternalSigner,
  log: Logger,
  pollMs: number,
  composer: SchemaComposer,
): BackgroundSchema {
  let loaded: SurfaceSchema | undefined;
  let stopped = false;
  const attempt = async (): Promise<void> => {
    while (!stopped && !loaded) {
      try {
        loaded = await loadSurfaceSchema(surface, sign, log, pollMs, composer);
        log.info({ surface: surface.name }, 'surface schema loaded');
      } catch (err) {
        log.warn({ surface: surface.name, err: (err as Error).message }, 'schema not loaded yet');
        await new Promise((r) => setTimeout(r, SCHEMA_RETRY_MS));
      }
    }
  };
  void attempt();
  return {
    get: () => loaded,
    stop: async () => {
      stopped = true;
      await loaded?.stop();
    },
  };
}

/** The surface's schema once loaded; until then the surface is unavailable. */
function loadedSchema(surface: SurfaceDef, schema: BackgroundSchema): SurfaceSchema {
  const current = schema.get();
  if (current) return current;
  throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, `The ${surface.name} surface is starting`, {
    headers: { 'retry-after': '1' },
  });
}

/** Validates against the surface's schema once loaded; until then the surface is unavailable. */
function schemaValidator(surface: SurfaceDef, schema: BackgroundSchema, options: ValidatorOptions) {
  let validate: Validator | undefined;
  return (
    query: string,
    operationName: string | undefined,
    variables: Record<string, unknown> | undefined,
  ) => {
    validate ??= createValidator(loadedSchema(surface, schema), options);
    return validate(query, operationName, variables);
  };
}

export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const log = createLogger({ service: 'gateway', level: config.logLevel, batched: true });
  const metrics = createMetrics('gateway');
  const tracing = await startTracing('gateway', config.tracing);
  const edgeKey = await loadOrCreateSigningKey(config.edgeSigningKeyFile);
  const sign = createInternalSigner(edgeKey);
  const { keys, documents, usage, redis } = await openStores(config, log);
  const registry = await startDocumentRegistry(documents, log, config.contracts.refreshMs);
  const documentUses = createDocumentUses(
    documents,
    metrics.registry,
    log,
    config.contracts.usesFlushMs,
  );
  const rateLimiter = createRateLimiter({
    redis,
    config: config.rateLimit,
    registry: metrics.registry,
    log,
  });
  const clientAddress = clientAddressOf(config.trustedProxies);
  const trusted = config.trustedDocumentsFile
    ? loadTrustedDocuments(config.trustedDocumentsFile)
    : undefined;
  const trustedSet = trusted && documentSet(trusted);
  const composer = createSchemaComposer({
    cache: createCompositionCache(config.schemaCacheDir),
  });
  const surfaces = surfacesFrom(config).map((surface) => ({
    surface,
    schema: backgroundSchema(surface, sign, log, config.schemaPollMs, composer),
    forwarder: createForwarder(surface.upstream),
  }));

  // The JWKS URL may name this very process (dev IdP), whose port is known only after listen.
  let authenticator: Authenticator | undefined;
  const authenticate: Authenticator = (surface, req) => {
    if (!authenticator) throw new AppError(ErrorCode.SHUTTING_DOWN, 'Gateway is starting');
    return authenticator(surface, req);
  };
  const edgeMetrics = withPartnerUsage(
    createEdgeMetrics(metrics.registry),
    usage,
    log,
    config.contracts.partnerUsageFlushMs,
  );
  const deprecationSignals = createDeprecationSignals({
    schedule: config.contracts.fieldDeprecations,
    knownClient: registry.hasClient,
    registry: metrics.registry,
  });
  const versionDeprecation = (surface: SurfaceDef) =>
    surface.auth.kind === 'api-key' ? config.deprecations[surface.auth.version] : undefined;
  const inFlight = createInFlightLimit(config.inFlight);
  const routes: Route[] = surfaces.map(({ surface, schema, forwarder }) => ({
    method: 'POST',
    path: surface.path,
    graphql: true,
    handler: edgeRoute({
      surface,
      rateLimiter,
      inFlight,
      clientAddress,
      limits: config.limits[surface.name],
      cors: config.cors[surface.name],
      fixedHeaders: deprecationHeaders(versionDeprecation(surface)),
      deprecations: deprecationSignals.forSurface(surface.name, versionDeprecation(surface)),
      resolveQuery: createContractResolver({
        surface: surface.name,
        registry,
        uses: documentUses,
        acceptArbitrary: config.contracts.arbitraryDocuments.has(surface.name),
        ...(trustedSet && surface.name === 'mobile' ? { trusted: trustedSet } : {}),
        fallback: createPersistedQueries(
          surface.name === 'mobile'
            ? { apq: true, ...(trusted ? { trusted } : {}) }
            : { apq: false },
        ),
      }),
      authenticate,
      introspect: createIntrospectionAnswers(() => loadedSchema(surface, schema)),
      validate: schemaValidator(surface, schema, {
        limits: config.limits[surface.name],
        // Untrusted clients must not map the schema: no introspection on mobile and partner, and
        // no "Did you mean" from any surface in production.
        refuseIntrospection: config.production && surface.name !== 'web',
        hideHints: config.production,
      }),
      sign,
      forwarder,
      metrics: edgeMetrics,
    }),
  }));
  // Browser preflights: 204, with the allowance only for the surface's allowed origins.
  for (const { surface } of surfaces) {
    routes.push({
      method: 'OPTIONS',
      path: surface.path,
      handler: preflightHandler(config.cors[surface.name]),
    });
  }
  if (config.devIdp) {
    routes.push(devIdpRoute(await loadOrCreateSigningKey(config.devIdpKeyFile)));
    log.warn(
      'dev identity provider enabled: tokens minted by `npm run -s cli -- token` are accepted',
    );
  }

  // Strict surfaces cannot tell a registered client from another until the registry loaded.
  const isReady = () => registry.loaded() && surfaces.every((s) => s.schema.get() !== undefined);
  // Said, not failed on: partner keys and cached tokens keep working while the IdP is down,
  // so pulling every instance out of rotation would turn its outage into ours.
  // The key set exists once the JWKS URL is known (after listen): unavailable until then.
  let idpHealth: () => JwksHealth = () => 'unavailable';
  const readinessDetails = () => ({ idp: idpHealth() });
  const separateAdmin = config.adminPort !== undefined;
  const running = await startHttpServer({
    service: 'gateway',
    logger: log,
    metrics,
    routes,
    port: config.port,
    host: config.host,
    isReady,
    // With an admin port, the public port answers only whether it is ready, not why.
    serveMetrics: !separateAdmin,
    ...(separateAdmin ? {} : { readinessDetails }),
  });
  const admin =
    config.adminPort === undefined
      ? undefined
      : await startHttpServer({
          service: 'gateway-admin',
          logger: log,
          metrics,
          routes: [],
          port: config.adminPort,
          host: config.host,
          isReady,
          readinessDetails,
        });
  const jwksObserver = createJwksObserver(log, metrics.registry);
  const jwks = createJwksSource({
    ...config.jwks,
    url: config.jwt.jwksUrl ?? `${running.url}${DEV_JWKS_PATH}`,
    onFetch: jwksObserver.onFetch,
  });
  jwksObserver.track(jwks);
  idpHealth = jwks.health;
  authenticator = createAuthenticator({
    verifyJwt: createJwtVerifier({
      ...config.jwt,
      jwks,
      onUnavailable: jwksObserver.onUnavailable,
    }),
    keys,
  });
  return {
    ...running,
    log,
    adminUrl: admin?.url,
    close: async () => {
      await running.close();
      await admin?.close();
      composer.stop();
      await Promise.all(surfaces.flatMap((s) => [s.schema.stop(), s.forwarder.close()]));
      registry.close();
      await documentUses.close();
      await edgeMetrics.close();
      await keys.close();
      await tracing.shutdown();
    },
  };
}
