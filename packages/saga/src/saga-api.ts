import {
  AppError,
  ErrorCode,
  isAppError,
  type RequestContext,
  type Route,
  readJson,
  sendJson,
} from '@edge/common';
import type { z } from 'zod';
import { renderRemediationPage } from './remediation-page';
import { isTerminal, type Saga } from './saga';
import {
  cancelRequest,
  listQuery,
  operatorRequest,
  placeOrderRequest,
  replayAllRequest,
  waitQuery,
} from './saga-api-schemas';
import { SagaConflictError, type SagaEngine, SagaNotFoundError } from './saga-engine';
import type { SagaStore } from './saga-store';
import { toSagaRef, toSagaView } from './saga-view';
import type { SagaWorker } from './saga-worker';

export interface SagaApiOptions {
  engine: SagaEngine;
  store: SagaStore;
  /** Present when this process drives sagas: new work starts at once instead of at the next poll. */
  worker: SagaWorker | undefined;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new AppError(ErrorCode.BAD_REQUEST, problems.join('; '), { details: { problems } });
}

function query(ctx: RequestContext): Record<string, string> {
  return Object.fromEntries(ctx.url.searchParams.entries());
}

/** Our own conditions become their codes; anything else is the store failing, never a 500. */
function translate(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof SagaNotFoundError) return new AppError(ErrorCode.NOT_FOUND, error.message);
  if (error instanceof SagaConflictError) return new AppError(ErrorCode.CONFLICT, error.message);
  return new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Saga store unavailable', {
    cause: error,
    headers: { 'retry-after': '1' },
  });
}

function settled(saga: Saga): boolean {
  return isTerminal(saga.state.status) || saga.state.status === 'dead_lettered';
}

export function createSagaRoutes(options: SagaApiOptions): Route[] {
  const { engine, store, worker } = options;

  const load = async (id: string): Promise<Saga> => {
    const saga = await store.get(id);
    if (!saga) throw new AppError(ErrorCode.NOT_FOUND, `No saga ${id}`);
    return saga;
  };

  /** Wait up to waitMs for the saga to settle, then return whatever it is. */
  const waitFor = async (saga: Saga, waitMs: number, done = settled): Promise<Saga> => {
    const deadline = Date.now() + waitMs;
    let current = saga;
    while (!done(current) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())));
      current = (await store.get(saga.id)) ?? current;
    }
    return current;
  };

  const guarded =
    (handler: (ctx: RequestContext) => Promise<void>) =>
    async (ctx: RequestContext): Promise<void> => {
      try {
        await handler(ctx);
      } catch (error) {
        const appError = translate(error);
        if (appError.code === ErrorCode.UPSTREAM_UNAVAILABLE) {
          ctx.log.error({ err: error }, 'saga store call failed');
        }
        throw appError;
      }
    };

  const cancel = async (ctx: RequestContext, saga: Saga) => {
    const body = parse(cancelRequest, await readJson(ctx.req));
    const { waitMs } = parse(waitQuery, query(ctx));
    const { state } = saga;
    const cancelled =
      (state.status === 'compensating' || state.status === 'compensated') &&
      state.cause === 'cancel';
    if (!cancelled) {
      if (
        state.status === 'compensated' ||
        state.status === 'resolved' ||
        state.status === 'compensating'
      ) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `Saga ${saga.id} is ${state.status} and cannot be cancelled`,
        );
      }
      if (state.status === 'dead_lettered') {
        throw new AppError(
          ErrorCode.CONFLICT,
          `Saga ${saga.id} is dead-lettered; replay or resolve it`,
        );
      }
      await engine.cancel(saga.id, {
        idempotencyKey: body.idempotencyKey,
        actor: body.actor ?? saga.input.userId,
        reason: body.reason ?? 'cancelled by customer',
        at: new Date().toISOString(),
      });
      worker?.kick(saga.id);
    }
    const after = await waitFor(
      saga,
      waitMs,
      (s) => s.state.status === 'compensated' || s.state.status === 'dead_lettered',
    );
    sendJson(ctx.res, 202, toSagaRef(after));
  };

  return [
    {
      method: 'POST',
      path: '/sagas',
      handler: guarded(async (ctx) => {
        const body = parse(placeOrderRequest, await readJson(ctx.req));
        const { waitMs } = parse(waitQuery, query(ctx));
        const { saga, created } = await engine.start(
          body.idempotencyKey,
          {
            userId: body.userId,
            partnerId: body.partnerId ?? null,
            items: body.items,
          },
          ctx.traceparent,
        );
        if (!settled(saga)) worker?.kick(saga.id);
        const after = await waitFor(saga, waitMs);
        sendJson(ctx.res, created ? 201 : 200, toSagaRef(after));
      }),
    },
    {
      method: 'GET',
      path: '/sagas',
      handler: guarded(async (ctx) => {
        const { state, limit } = parse(listQuery, query(ctx));
        let sagas: Saga[];
        if (state === 'stuck') {
          const active = await Promise.all(
            (['pending', 'running', 'compensating'] as const).map((s) =>
              store.listByStatus(s, 10_000),
            ),
          );
          sagas = active
            .flat()
            .filter((s) => engine.isStuck(s))
            .slice(0, limit);
        } else if (state) {
          sagas = await store.listByStatus(state, limit);
        } else {
          throw new AppError(ErrorCode.BAD_REQUEST, 'state is required (a status or "stuck")');
        }
        sendJson(ctx.res, 200, { items: sagas.map(toSagaView) });
      }),
    },
    {
      method: 'GET',
      path: '/sagas/:id',
      handler: guarded(async (ctx) => {
        sendJson(ctx.res, 200, toSagaView(await load(ctx.params['id'] ?? '')));
      }),
    },
    {
      method: 'POST',
      path: '/sagas/:id/cancel',
      handler: guarded(async (ctx) => cancel(ctx, await load(ctx.params['id'] ?? ''))),
    },
    {
      method: 'POST',
      path: '/orders/:orderId/cancel',
      handler: guarded(async (ctx) => {
        const orderId = ctx.params['orderId'] ?? '';
        const saga = await store.getByOrderId(orderId);
        if (!saga) throw new AppError(ErrorCode.NOT_FOUND, `No saga for order ${orderId}`);
        await cancel(ctx, saga);
      }),
    },
    {
      method: 'POST',
      path: '/sagas/replay',
      handler: guarded(async (ctx) => {
        const body = parse(replayAllRequest, await readJson(ctx.req));
        const replayed: string[] = [];
        for (const saga of await store.listByStatus('dead_lettered', 1000)) {
          try {
            await engine.replay(saga.id, body.actor, body.reason);
            replayed.push(saga.id);
            worker?.kick(saga.id);
          } catch (error) {
            // Someone else replayed or resolved it meanwhile: not ours to report as failed.
            if (!(error instanceof SagaConflictError)) throw error;
          }
        }
        sendJson(ctx.res, 202, { replayed });
      }),
    },
    {
      method: 'POST',
      path: '/sagas/:id/replay',
      handler: guarded(async (ctx) => {
        const body = parse(operatorRequest, await readJson(ctx.req));
        const saga = await engine.replay(ctx.params['id'] ?? '', body.actor, body.reason);
        worker?.kick(saga.id);
        sendJson(ctx.res, 202, toSagaRef(saga));
      }),
    },
    {
      method: 'POST',
      path: '/sagas/:id/resolve',
      handler: guarded(async (ctx) => {
        const body = parse(operatorRequest, await readJson(ctx.req));
        const saga = await engine.resolve(ctx.params['id'] ?? '', body.actor, body.reason);
        sendJson(ctx.res, 200, toSagaRef(saga));
      }),
    },
    {
      method: 'GET',
      path: '/remediation',
      handler: guarded(async (ctx) => {
        const [dead, active] = await Promise.all([
          store.listByStatus('dead_lettered', 500),
          Promise.all(
            (['pending', 'running', 'compensating'] as const).map((s) =>
              store.listByStatus(s, 10_000),
            ),
          ),
        ]);
        const stuck = active
          .flat()
          .filter((s) => engine.isStuck(s))
          .slice(0, 500);
        const html = renderRemediationPage({
          deadLettered: dead.map(toSagaView),
          stuck: stuck.map(toSagaView),
        });
        ctx.res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(html),
          'cache-control': 'no-store',
          'content-security-policy':
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        });
        ctx.res.end(html);
      }),
    },
  ];
}
