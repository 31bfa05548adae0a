import { type Route, sendJson } from '@edge/common';
import type { IdempotencyStore } from './idempotency.js';
import { lookupQuery, nothingUnderKey, readQuery } from './validation.js';

/**
 * `GET <path>?idempotencyKey=K`: what the write `POST <path>` created under K, in its current
 * state, or 404 when nothing was (never seen, or refused). Verify, never redo: a client that
 * lost an answer asks this instead of re-sending the write.
 */
export function lookupRoute(
  path: string,
  kind: string,
  idempotency: IdempotencyStore,
  find: (id: string) => unknown,
): Route {
  return {
    method: 'GET',
    path,
    handler: (ctx) => {
      const { idempotencyKey: key } = readQuery(ctx, lookupQuery);
      const id = idempotency.createdId(`POST ${path}`, key);
      const found = id === undefined ? undefined : find(id);
      if (found === undefined) throw nothingUnderKey(kind, key);
      sendJson(ctx.res, 200, found);
    },
  };
}
