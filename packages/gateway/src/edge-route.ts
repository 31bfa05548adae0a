import { type Handler, readBody, sendGraphQLError } from '@edge/common';
import type { Authenticator } from './auth';
import type { Forwarder } from './forward';

import { parseGraphQLBody } from './graphql-request';
import type { InternalSigner } from './internal-signer';
import type { SurfaceDef } from './surfaces';

export interface EdgeRouteDeps {
  surface: SurfaceDef;
  authenticate: Authenticator;
  validate: (query: string) => void;
  sign: InternalSigner;
  forwarder: Forwarder;
  bodyLimitBytes: number;
}

/**
 * The edge's hot path for one surface: authenticate, read and check the operation against the
 * surface's composed schema (cached per document), then forward the untouched body to the BFF
 * with the edge-signed identity. Anything rejected here never reaches a BFF.
 */
export function edgeRoute(deps: EdgeRouteDeps): Handler {
  return async (ctx) => {
    try {
      const identity = await deps.authenticate(deps.surface, ctx.req);
      const body = await readBody(ctx.req, deps.bodyLimitBytes);
      const request = parseGraphQLBody(body);
      deps.validate(request.query);
      await deps.forwarder.forward(
        {
          body,
          identityToken: await deps.sign(identity),
          requestId: ctx.requestId,
          traceparent: ctx.traceparent,
        },
        ctx.res,
      );
    } catch (err) {
      sendGraphQLError(ctx.res, err, ctx.log);
    }
  };
}
