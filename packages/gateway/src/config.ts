import { join } from 'node:path';
import { DEFAULT_REDIS_URL, env, loadConfig as load, z } from '@edge/common';

/** Default port of the gateway (DESIGN.md section 1). */
export const DEFAULT_PORT = 4000;

const schema = z
  .object({
    PORT: env.port(DEFAULT_PORT),
    HOST: z.string().default('127.0.0.1'),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: env.logLevel(),
    DATA_DIR: z.string().default('.data'),
    REDIS_URL: env.url(DEFAULT_REDIS_URL),
    STORE_MODE: env.storeMode(),
    BFF_WEB_URL: env.url('http://127.0.0.1:4001'),
    BFF_MOBILE_URL: env.url('http://127.0.0.1:4002'),
    BFF_PARTNER_URL: env.url('http://127.0.0.1:4003'),
    /** Where user tokens' keys come from; default: the dev identity provider this gateway serves. */
    JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().default('https://dev-idp.local'),
    JWT_AUDIENCE_WEB: z.string().default('edge-web'),
    JWT_AUDIENCE_MOBILE: z.string().default('edge-mobile'),
    JWT_CLOCK_TOLERANCE_S: env.int(30),
    /** Serve the dev identity provider's JWKS; default on outside production. */
    DEV_IDP: z.enum(['true', 'false']).optional(),
    EDGE_SIGNING_KEY_FILE: z.string().optional(),
    DEV_IDP_KEY_FILE: z.string().optional(),
    SCHEMA_POLL_MS: env.int(2000),
    BODY_LIMIT_BYTES: env.int(256 * 1024),
  })
  .transform((c) => {
    const production = c.NODE_ENV === 'production';
    const devIdp = c.DEV_IDP === undefined ? !production : c.DEV_IDP === 'true';
    return {
      port: c.PORT,
      host: c.HOST,
      production,
      logLevel: c.LOG_LEVEL,
      redisUrl: c.REDIS_URL,
      storeMode: c.STORE_MODE,
      dataDir: c.DATA_DIR,
      bff: { web: c.BFF_WEB_URL, mobile: c.BFF_MOBILE_URL, partner: c.BFF_PARTNER_URL },
      jwt: {
        jwksUrl: c.JWKS_URL,
        issuer: c.JWT_ISSUER,
        audience: { web: c.JWT_AUDIENCE_WEB, mobile: c.JWT_AUDIENCE_MOBILE },
        clockToleranceS: c.JWT_CLOCK_TOLERANCE_S,
      },
      devIdp,
      edgeSigningKeyFile: c.EDGE_SIGNING_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'edge.json'),
      devIdpKeyFile: c.DEV_IDP_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'dev-idp.json'),
      schemaPollMs: c.SCHEMA_POLL_MS,
      bodyLimitBytes: c.BODY_LIMIT_BYTES,
    };
  });

export type GatewayConfig = z.output<typeof schema>;

/** Read and validate the gateway's environment once; nothing else reads process.env. */
export const loadConfig = (source = process.env): Readonly<GatewayConfig> => load(schema, source);
