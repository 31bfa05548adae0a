import { join } from 'node:path';
import { z } from 'zod';
import type { OperatorKeys } from './operator-auth.js';

/**
 * Where a process with operator routes checks operator tokens: the fields its config schema
 * spreads in. The saga and the consumers read the same variables with the same defaults, so one
 * token (the company IdP's, or the dev IdP's the CLI mints) is good for both.
 */
export const operatorAuthEnv = {
  /** Where operator tokens' keys come from; unset outside production: the dev identity provider. */
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().default('https://dev-idp.local'),
  JWT_AUDIENCE_OPERATOR: z.string().min(1).default('edge-operator'),
  DEV_IDP_KEY_FILE: z.string().optional(),
};

export interface OperatorAuthConfig {
  operatorKeys: OperatorKeys;
  issuer: string;
  audience: string;
}

/**
 * The operator token settings of a config parsed with `operatorAuthEnv`. Production needs the
 * company IdP's JWKS; elsewhere the dev IdP's key file under the data directory.
 */
export function operatorAuthOf(
  e: {
    JWKS_URL?: string | undefined;
    JWT_ISSUER: string;
    JWT_AUDIENCE_OPERATOR: string;
    DEV_IDP_KEY_FILE?: string | undefined;
  },
  dataDir: string,
  production: boolean,
): OperatorAuthConfig {
  if (production && !e.JWKS_URL) {
    throw new Error(
      'Invalid configuration:\n  JWKS_URL: required in production (operator sign-in)',
    );
  }
  const operatorKeys: OperatorKeys = e.JWKS_URL
    ? { kind: 'jwks', url: e.JWKS_URL }
    : { kind: 'dev-key-file', file: e.DEV_IDP_KEY_FILE ?? join(dataDir, 'keys', 'dev-idp.json') };
  return { operatorKeys, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE_OPERATOR };
}
