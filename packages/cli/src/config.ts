import { join } from 'node:path';
import { env, loadConfig as load, localUrl, redisEnv, redisOf, z } from '@edge/common';
import { DEFAULT_CONTRACTS_PREFIX } from '@edge/contracts';

const schema = z
  .object({
    DATA_DIR: z.string().default('.data'),
    ...redisEnv,
    STORE_MODE: env.storeMode(),
    DEV_IDP_KEY_FILE: z.string().optional(),
    JWT_ISSUER: z.string().default('https://dev-idp.local'),
    JWT_AUDIENCE_WEB: z.string().default('edge-web'),
    JWT_AUDIENCE_MOBILE: z.string().default('edge-mobile'),
    JWT_AUDIENCE_OPERATOR: z.string().default('edge-operator'),
    /** Operator token for `sagas` commands (from `token --role operator` or the company IdP). */
    OPERATOR_TOKEN: z.string().optional(),
    SAGA_URL: env.url(localUrl('saga')),
    CONSUMERS_URL: env.url(localUrl('consumers')),
    /** Redis key prefix of client contracts; the gateway's and the BFFs' must match. */
    CONTRACTS_PREFIX: z.string().min(1).default(DEFAULT_CONTRACTS_PREFIX),
    /** Bearer token for `usage export --push` (an OpenMeter API token, say). */
    USAGE_PUSH_TOKEN: z.string().optional(),
  })
  .transform((c) => ({
    dataDir: c.DATA_DIR,
    redis: redisOf(c),
    storeMode: c.STORE_MODE,
    devIdpKeyFile: c.DEV_IDP_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'dev-idp.json'),
    issuer: c.JWT_ISSUER,
    audience: {
      web: c.JWT_AUDIENCE_WEB,
      mobile: c.JWT_AUDIENCE_MOBILE,
      operator: c.JWT_AUDIENCE_OPERATOR,
    },
    operatorToken: c.OPERATOR_TOKEN,
    sagaUrl: c.SAGA_URL,
    consumersUrl: c.CONSUMERS_URL,
    contractsPrefix: c.CONTRACTS_PREFIX,
    usagePushToken: c.USAGE_PUSH_TOKEN,
  }));

export type CliConfig = z.output<typeof schema>;

/** The only reader of the environment in the CLI; fails at start on a bad value. */
export const loadCliConfig = (source = process.env): Readonly<CliConfig> => load(schema, source);
