import { type Route, type SigningKey, sendJson } from '@edge/common';

/** Path of the dev identity provider's JWKS on the gateway. */
export const DEV_JWKS_PATH = '/.well-known/jwks.json';

/**
 * The dev stack's identity provider: the public half of the key the CLI mints user tokens
 * with. Off in production, where JWKS_URL points at the real provider.
 */
export function devIdpRoute(key: SigningKey): Route {
  const body = { keys: [key.publicJwk] };
  return {
    method: 'GET',
    path: DEV_JWKS_PATH,
    handler: ({ res }) => sendJson(res, 200, body, { 'cache-control': 'max-age=300' }),
  };
}
