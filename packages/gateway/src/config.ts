import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PORTS,
  env,
  loadConfig as load,
  localUrl,
  redisEnv,
  redisOf,
  z,
} from '@edge/common';
import { DEFAULT_CONTRACTS_PREFIX } from '@edge/contracts';
import { invalidTrustedProxies } from './client-address.js';
import { type CorsPolicy, defaultCors } from './cors.js';
import {
  type AbuseLimits,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_FAIL_MODES,
  DEFAULT_IN_FLIGHT_LIMITS,
  DEFAULT_LEASE,
  DEFAULT_LIMIT_MODES,
  DEFAULT_RATE_LIMITS,
  type FailMode,
  type LimitMode,
} from './defaults.js';

import { DEFAULT_REGISTRY_REFRESH_MS } from './document-registry.js';
import { DEFAULT_USES_FLUSH_MS } from './document-uses.js';
import { DEFAULT_JWKS } from './jwks-source.js';
import { DEFAULT_PARTNER_USAGE_FLUSH_MS } from './partner-usage.js';
import { SURFACE_NAMES, type SurfaceName } from './surfaces.js';

/** Default admin port in production: metrics and detailed health, never on the public port. */
export const DEFAULT_ADMIN_PORT = 9464;

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO date');

const limitsOverride = z
  .object({
    maxBodyBytes: z.number().int().positive(),
    maxTokens: z.number().int().positive(),
    maxDepth: z.number().int().positive(),
    maxAliases: z.number().int().nonnegative(),
    maxDirectives: z.number().int().nonnegative(),
    maxCost: z.number().int().positive(),
    maxBatch: z.number().int().positive(),
    maxVariablesDepth: z.number().int().positive(),
    maxVariablesValues: z.number().int().positive(),
  })
  .partial()
  .strict();

/** A variable holding JSON, `{}` when unset, parsed then checked by `shape`. */
const jsonOf = <T extends z.ZodType>(shape: T) =>
  z
    .string()
    .default('{}')
    .transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(shape);

/** A JSON object of per-surface overrides, each checked by `override` (unknown keys refused). */
const perSurface = <T extends z.ZodType>(override: T) =>
  jsonOf(z.object(Object.fromEntries(SURFACE_NAMES.map((n) => [n, override.optional()]))));

/** `SURFACE_LIMITS='{"mobile":{"maxDepth":6}}'`: per-surface overrides of DEFAULT_ABUSE_LIMITS. */
const surfaceLimits = perSurface(limitsOverride);

const corsOverride = z
  .object({
    origins: z.array(z.string().min(1)),
    credentials: z.boolean(),
    maxAgeS: z.number().int().nonnegative(),
  })
  .partial()
  .strict();

/** `CORS='{"web":{"origins":["https://app.example.com"],"credentials":true}}'`: per surface. */
const corsSettings = perSurface(corsOverride);

/** `TRUSTED_PROXIES='10.0.0.0/8,loopback'`: comma-separated, each checked as proxy-addr reads it. */
const trustedProxies = env.list().superRefine((list, ctx) => {
  const problem = invalidTrustedProxies(list);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const fieldDeprecations = jsonOf(
  z.record(
    z.string().regex(/^[_A-Za-z]\w*\.[_A-Za-z]\w*$/, 'keys are Type.field'),
    z
      .object({ deprecatedAt: isoDate.optional(), sunsetAt: isoDate.optional() })
      .strict()
      .transform((d) => ({
        ...(d.deprecatedAt ? { deprecatedAt: new Date(d.deprecatedAt) } : {}),
        ...(d.sunsetAt ? { sunsetAt: new Date(d.sunsetAt) } : {}),
      })),
  ),
);

/** `RATE_LIMIT_MODES='{"web":"exact"}'`: per-surface overrides of DEFAULT_LIMIT_MODES. */
const limitModes = perSurface(z.enum(['leased', 'exact']));

/** A comma list of surface names, e.g. `partner-v1,partner-v2`. */
const surfaceList = env.list().pipe(z.array(z.enum(SURFACE_NAMES)));

const schema = z
  .object({
    PORT: env.port(DEFAULT_PORTS.gateway),
    HOST: z.string().default('127.0.0.1'),
    /**
     * Port of the admin listener serving /metrics and detailed /readyz; default 9464 in
     * production (never the public port), unset (public port) outside; 0 picks a free port.
     */
    ADMIN_PORT: env.optionalPort(),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: env.logLevel(),
    DATA_DIR: z.string().default('.data'),
    ...redisEnv,
    STORE_MODE: env.storeMode(),
    BFF_WEB_URL: env.url(localUrl('bff-web')),
    BFF_MOBILE_URL: env.url(localUrl('bff-mobile')),
    BFF_PARTNER_URL: env.url(localUrl('bff-partner')),
    /** Where user tokens' keys come from; default: the dev identity provider this gateway serves. */
    JWKS_URL: z.url().optional(),
    JWKS_CACHE_MAX_AGE_MS: env.int(DEFAULT_JWKS.cacheMaxAgeMs),
    JWKS_COOLDOWN_MS: env.int(DEFAULT_JWKS.cooldownMs),
    JWKS_STALE_MAX_AGE_MS: env.int(DEFAULT_JWKS.staleMaxAgeMs),
    JWKS_TIMEOUT_MS: env.int(DEFAULT_JWKS.timeoutMs),
    JWKS_MAX_BODY_BYTES: env.int(DEFAULT_JWKS.maxBodyBytes),
    JWKS_MAX_KEYS: env.int(DEFAULT_JWKS.maxKeys),
    JWT_ISSUER: z.string().default('https://dev-idp.local'),
    JWT_AUDIENCE_WEB: z.string().default('edge-web'),
    JWT_AUDIENCE_MOBILE: z.string().default('edge-mobile'),
    JWT_CLOCK_TOLERANCE_S: env.int(30),
    /** Serve the dev identity provider's JWKS; default on outside production. */
    DEV_IDP: z.enum(['true', 'false']).optional(),
    EDGE_SIGNING_KEY_FILE: z.string().optional(),
    DEV_IDP_KEY_FILE: z.string().optional(),
    SCHEMA_POLL_MS: env.int(2000),
    SCHEMA_CACHE_DIR: z.string().default(join(tmpdir(), 'edge-gateway-schemas')),
    OTEL_EXPORTER_OTLP_ENDPOINT: env.otlpEndpoint(),
    SURFACE_LIMITS: surfaceLimits,
    CORS: corsSettings,
    /** Mobile accepts only the operations of this manifest when set (trusted documents). */
    TRUSTED_DOCUMENTS_FILE: z.string().optional(),
    /** Proxies in front whose X-Forwarded-For is believed (see client-address.ts); default none. */
    TRUSTED_PROXIES: trustedProxies,
    PARTNER_V1_DEPRECATED_AT: isoDate.optional(),
    PARTNER_V1_SUNSET_AT: isoDate.optional(),
    PARTNER_V2_DEPRECATED_AT: isoDate.optional(),
    PARTNER_V2_SUNSET_AT: isoDate.optional(),
    RATE_LIMIT_PREFIX: z.string().min(1).default(DEFAULT_RATE_LIMITS.prefix),
    RATE_LIMIT_WINDOW_S: env.int(DEFAULT_RATE_LIMITS.windowS).pipe(z.number().min(1)),
    RATE_LIMIT_USER: env.int(DEFAULT_RATE_LIMITS.requests.user.points),
    RATE_LIMIT_USER_MUTATIONS: env.int(DEFAULT_RATE_LIMITS.userMutations),
    IN_FLIGHT_LIMIT_USER: env.int(DEFAULT_IN_FLIGHT_LIMITS.user),
    IN_FLIGHT_LIMIT_PARTNER_FREE: env.int(DEFAULT_IN_FLIGHT_LIMITS['partner-free']),
    IN_FLIGHT_LIMIT_PARTNER_PRO: env.int(DEFAULT_IN_FLIGHT_LIMITS['partner-pro']),
    RATE_LIMIT_ANONYMOUS: env.int(DEFAULT_RATE_LIMITS.requests.anonymous.points),
    RATE_LIMIT_PARTNER_FREE: env.int(DEFAULT_RATE_LIMITS.requests['partner-free'].points),
    RATE_LIMIT_PARTNER_PRO: env.int(DEFAULT_RATE_LIMITS.requests['partner-pro'].points),
    COST_BUDGET_FREE: env.int(DEFAULT_RATE_LIMITS.costBudget.free),
    COST_BUDGET_PRO: env.int(DEFAULT_RATE_LIMITS.costBudget.pro),
    RATE_LIMIT_INSTANCES: env.int(DEFAULT_RATE_LIMITS.instances).pipe(z.number().min(1)),
    /** Surfaces that refuse traffic (503) instead of using the insurance limiter without Redis. */
    RATE_LIMIT_FAIL_CLOSED: surfaceList,
    RATE_LIMIT_MODES: limitModes,
    RATE_LIMIT_LEASE_COVER_MS: env.int(DEFAULT_LEASE.coverMs).pipe(z.number().min(1)),
    RATE_LIMIT_LEASE_MAX_FRACTION: z.coerce
      .number()
      .gt(0)
      .max(1)
      .default(DEFAULT_LEASE.maxFraction),
    /** Redis key prefix of the client contracts (pushed documents, uses); CLI and BFFs agree. */
    CONTRACTS_PREFIX: z.string().min(1).default(DEFAULT_CONTRACTS_PREFIX),
    CONTRACTS_REFRESH_MS: env.int(DEFAULT_REGISTRY_REFRESH_MS).pipe(z.number().min(10)),
    DOCUMENT_USES_FLUSH_MS: env.int(DEFAULT_USES_FLUSH_MS).pipe(z.number().min(10)),
    PARTNER_USAGE_FLUSH_MS: env.int(DEFAULT_PARTNER_USAGE_FLUSH_MS).pipe(z.number().min(10)),
    /**
     * Surfaces where a request from an unregistered client version may run any valid document;
     * default `web` in production, every surface outside it. Registered versions are always
     * held to their documents.
     */
    ARBITRARY_DOCUMENTS: z.union([z.undefined(), surfaceList]),
    /**
     * Dates of deprecated fields, `{"Type.field":{"deprecatedAt":"<iso>","sunsetAt":"<iso>"}}`:
     * the Deprecation and Sunset headers of answers selecting them.
     */
    FIELD_DEPRECATIONS: fieldDeprecations,
  })
  .transform((c) => {
    const production = c.NODE_ENV === 'production';
    const devIdp = c.DEV_IDP === undefined ? !production : c.DEV_IDP === 'true';
    const limits = Object.fromEntries(
      SURFACE_NAMES.map((n) => [n, { ...DEFAULT_ABUSE_LIMITS[n], ...c.SURFACE_LIMITS[n] }]),
    ) as Record<SurfaceName, AbuseLimits>;
    const corsDefaults = defaultCors(production);
    const cors = Object.fromEntries(
      SURFACE_NAMES.map((n) => [n, { ...corsDefaults[n], ...c.CORS[n] }]),
    ) as Record<SurfaceName, CorsPolicy>;
    const failModes = Object.fromEntries(
      SURFACE_NAMES.map((n) => [
        n,
        c.RATE_LIMIT_FAIL_CLOSED.includes(n) ? 'closed' : DEFAULT_FAIL_MODES[n],
      ]),
    ) as Record<SurfaceName, FailMode>;
    const modes = Object.fromEntries(
      SURFACE_NAMES.map((n) => [n, c.RATE_LIMIT_MODES[n] ?? DEFAULT_LIMIT_MODES[n]]),
    ) as Record<SurfaceName, LimitMode>;
    const deprecation = (deprecatedAt?: string, sunsetAt?: string) =>
      deprecatedAt
        ? {
            deprecatedAt: new Date(deprecatedAt),
            sunsetAt: sunsetAt ? new Date(sunsetAt) : undefined,
          }
        : undefined;
    return {
      port: c.PORT,
      host: c.HOST,
      production,
      logLevel: c.LOG_LEVEL,
      redis: redisOf(c),
      storeMode: c.STORE_MODE,
      dataDir: c.DATA_DIR,
      bff: { web: c.BFF_WEB_URL, mobile: c.BFF_MOBILE_URL, partner: c.BFF_PARTNER_URL },
      jwt: {
        jwksUrl: c.JWKS_URL,
        issuer: c.JWT_ISSUER,
        audience: { web: c.JWT_AUDIENCE_WEB, mobile: c.JWT_AUDIENCE_MOBILE },
        clockToleranceS: c.JWT_CLOCK_TOLERANCE_S,
      },
      jwks: {
        cacheMaxAgeMs: c.JWKS_CACHE_MAX_AGE_MS,
        cooldownMs: c.JWKS_COOLDOWN_MS,
        staleMaxAgeMs: c.JWKS_STALE_MAX_AGE_MS,
        timeoutMs: c.JWKS_TIMEOUT_MS,
        maxBodyBytes: c.JWKS_MAX_BODY_BYTES,
        maxKeys: c.JWKS_MAX_KEYS,
      },
      devIdp,
      edgeSigningKeyFile: c.EDGE_SIGNING_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'edge.json'),
      devIdpKeyFile: c.DEV_IDP_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'dev-idp.json'),
      schemaPollMs: c.SCHEMA_POLL_MS,
      schemaCacheDir: c.SCHEMA_CACHE_DIR,
      tracing: { endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT },
      limits,
      cors,
      adminPort: c.ADMIN_PORT ?? (production ? DEFAULT_ADMIN_PORT : undefined),
      trustedDocumentsFile: c.TRUSTED_DOCUMENTS_FILE,
      trustedProxies: c.TRUSTED_PROXIES,
      deprecations: {
        v1: deprecation(c.PARTNER_V1_DEPRECATED_AT, c.PARTNER_V1_SUNSET_AT),
        v2: deprecation(c.PARTNER_V2_DEPRECATED_AT, c.PARTNER_V2_SUNSET_AT),
      },
      contracts: {
        prefix: c.CONTRACTS_PREFIX,
        refreshMs: c.CONTRACTS_REFRESH_MS,
        usesFlushMs: c.DOCUMENT_USES_FLUSH_MS,
        partnerUsageFlushMs: c.PARTNER_USAGE_FLUSH_MS,
        fieldDeprecations: c.FIELD_DEPRECATIONS,
        arbitraryDocuments: new Set<SurfaceName>(
          c.ARBITRARY_DOCUMENTS ?? (production ? ['web'] : SURFACE_NAMES),
        ),
      },
      inFlight: {
        user: c.IN_FLIGHT_LIMIT_USER,
        anonymous: DEFAULT_IN_FLIGHT_LIMITS.anonymous,
        'partner-free': c.IN_FLIGHT_LIMIT_PARTNER_FREE,
        'partner-pro': c.IN_FLIGHT_LIMIT_PARTNER_PRO,
      },
      rateLimit: {
        prefix: c.RATE_LIMIT_PREFIX,
        windowS: c.RATE_LIMIT_WINDOW_S,
        requests: {
          user: c.RATE_LIMIT_USER,
          anonymous: c.RATE_LIMIT_ANONYMOUS,
          'partner-free': c.RATE_LIMIT_PARTNER_FREE,
          'partner-pro': c.RATE_LIMIT_PARTNER_PRO,
        },
        userMutations: c.RATE_LIMIT_USER_MUTATIONS,
        costBudget: { free: c.COST_BUDGET_FREE, pro: c.COST_BUDGET_PRO },
        instances: c.RATE_LIMIT_INSTANCES,
        failModes,
        modes,
        lease: {
          coverMs: c.RATE_LIMIT_LEASE_COVER_MS,
          maxFraction: c.RATE_LIMIT_LEASE_MAX_FRACTION,
        },
      },
    };
  });

export type GatewayConfig = z.output<typeof schema>;
export type RateLimitConfig = GatewayConfig['rateLimit'];

/** Read and validate the gateway's environment once; nothing else reads process.env. */
export const loadGatewayConfig = (source = process.env): Readonly<GatewayConfig> =>
  load(schema, source);
