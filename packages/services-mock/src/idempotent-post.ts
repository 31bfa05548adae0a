import type { Route, z } from '@edge/common';
import { type IdempotencyStore, sendStored } from './idempotency.js';
import { readBody } from './validation.js';

export interface IdempotentPost<S extends z.ZodType<{ idempotencyKey: string }>> {
  path: string;
  /** The body's schema; its `idempotencyKey` names the effect. */
  body: S;
  /**
   * The path parameter naming what the call acts on: `find` refuses an unknown one (404) before
   * the body is read, and its value is part of the request a reused key is compared against.
   */
  target?: { param: string; find: (value: string) => unknown };
}

/**
 * A POST route whose effect happens once per idempotency key: the body is validated, the effect
 * runs under the route's scope, and the stored answer is sent (a replay says so).
 */
export function idempotentPost<S extends z.ZodType<{ idempotencyKey: string }>>(
  idempotency: IdempotencyStore,
  route: IdempotentPost<S>,
  effect: (body: z.output<S>, target: string) => { status: number; body: unknown },
): Route {
  const scope = `POST ${route.path}`;
  return {
    method: 'POST',
    path: route.path,
    handler: async (ctx) => {
      const { target } = route;
      const value = target ? (ctx.params[target.param] ?? '') : '';
      target?.find(value);
      const { raw, body } = await readBody(ctx, route.body);
      const request = target ? { [target.param]: value, ...raw } : raw;
      const stored = idempotency.execute(scope, body.idempotencyKey, request, () =>
        effect(body, value),
      );
      sendStored(ctx.res, stored);
    },
  };
}
