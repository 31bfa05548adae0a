import type { Surface } from '@edge/common';
import type { GatewayConfig } from './config.js';

/** Stable surface names, used in logs, metrics, config and rate-limit keys. */
export const SURFACE_NAMES = ['web', 'mobile', 'partner-v1', 'partner-v2'] as const;
export type SurfaceName = (typeof SURFACE_NAMES)[number];

/** A client surface: one public endpoint, one BFF schema, one way to authenticate. */
export interface SurfaceDef {
  name: SurfaceName;
  /** Public path on the gateway. */
  path: string;
  auth:
    | { kind: 'jwt'; surface: 'web' | 'mobile'; audience: string }
    | { kind: 'api-key'; version: 'v1' | 'v2' };
  /** The BFF endpoint that serves this surface's schema. */
  upstream: URL;
  /** Which BFF that is: the audience of the identity tokens signed for it. */
  bff: Surface;
}

export function surfacesFrom(config: GatewayConfig): SurfaceDef[] {
  const { bff, jwt } = config;
  return [
    {
      name: 'web',
      path: '/web/graphql',
      auth: { kind: 'jwt', surface: 'web', audience: jwt.audience.web },
      upstream: new URL('/graphql', bff.web),
      bff: 'web',
    },
    {
      name: 'mobile',
      path: '/mobile/graphql',
      auth: { kind: 'jwt', surface: 'mobile', audience: jwt.audience.mobile },
      upstream: new URL('/graphql', bff.mobile),
      bff: 'mobile',
    },
    {
      name: 'partner-v1',
      path: '/partner/v1/graphql',
      auth: { kind: 'api-key', version: 'v1' },
      upstream: new URL('/v1/graphql', bff.partner),
      bff: 'partner',
    },
    {
      name: 'partner-v2',
      path: '/partner/v2/graphql',
      auth: { kind: 'api-key', version: 'v2' },
      upstream: new URL('/v2/graphql', bff.partner),
      bff: 'partner',
    },
  ];
}
