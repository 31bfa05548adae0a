import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ErrorCode,
  HTTP_STATUS_BY_CODE,
  type RequestContext,
  type Route,
  sendJson,
} from '@edge/common';
import type { CallCounter } from './call-counter.js';
import type { AppliedFault, FaultRegistry } from './faults.js';
import type { InFlightKeys } from './in-flight-keys.js';
import { bufferedJson } from './request-body.js';

export interface InstrumentOptions {
  counter: CallCounter;
  faults: FaultRegistry;
  inFlight: InFlightKeys;
}

/** The key a route is counted and faulted under, as listed by `GET /__calls`. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

export function isControlRoute(route: Pick<Route, 'path'>): boolean {
  return route.path.startsWith('/__');
}

/** Error code for an injected status, so clients see the same codes a real failure would carry. */
function codeForStatus(status: number): ErrorCode {
  const preferred: Partial<Record<number, ErrorCode>> = {
    500: ErrorCode.INTERNAL_SERVER_ERROR,
    503: ErrorCode.UPSTREAM_UNAVAILABLE,
  };
  const listed = (Object.keys(HTTP_STATUS_BY_CODE) as ErrorCode[]).find(
    (code) => HTTP_STATUS_BY_CODE[code] === status,
  );
  return (
    preferred[status] ??
    listed ??
    (status >= 500 ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.BAD_REQUEST)
  );
}

/** Stripe's answer to a second request under a key whose first is still being served. */
function sendInProgress(res: ServerResponse, key: string, faultId?: string): void {
  sendJson(res, 409, {
    error: {
      code: ErrorCode.CONFLICT,
      reason: 'request_in_progress',
      message: `A request with idempotency key "${key}" is in progress; retry later`,
      ...(faultId ? { faultId } : {}),
    },
  });
}

/** The idempotency key a call is made under: the body's for writes, the query's for lookups. */
async function keyOf(ctx: RequestContext, route: Route): Promise<string | undefined> {
  if (route.method === 'GET') return ctx.url.searchParams.get('idempotencyKey') ?? undefined;
  try {
    const key = (await bufferedJson(ctx.req))['idempotencyKey'];
    return typeof key === 'string' && key !== '' ? key : undefined;
  } catch {
    // A malformed body is the route's to refuse, with its own 400.
    return undefined;
  }
}

/**
 * A response whose head and body are written only when `flush` is called: the route runs (its
 * effect happens) now, the client hears of it later, if it is still listening.
 */
function heldResponse(res: ServerResponse): { res: ServerResponse; flush: () => void } {
  const writes: Array<() => void> = [];
  const deferred = new Set<PropertyKey>(['writeHead', 'setHeader', 'end']);
  const held: ServerResponse = new Proxy(res, {
    get(target, prop) {
      if (deferred.has(prop)) {
        return (...args: unknown[]) => {
          writes.push(() =>
            Reflect.apply(Reflect.get(target, prop) as (...a: unknown[]) => unknown, target, args),
          );
          return held;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const flush = () => {
    if (res.destroyed) return;
    for (const write of writes) write();
  };
  return { res: held, flush };
}

/**
 * Wrap a service route so every call is counted, then faulted if a rule matches, then served.
 * Counting and taking the fault happen before the first await: that is what makes a rule for
 * N calls hit exactly N calls under concurrency, and `/__calls` include faulted calls. A keyed
 * write is in flight from its arrival to its answer; a second one under the same key meanwhile,
 * or a lookup of that key, is answered 409 `request_in_progress`.
 */
export function instrumentRoute(route: Route, options: InstrumentOptions): Route {
  const key = routeKey(route);
  const serve = async (ctx: RequestContext, fault: AppliedFault | undefined) => {
    if (!fault) return route.handler(ctx);
    const message = `Injected fault ${fault.id} (${fault.mode}) on ${key}`;
    switch (fault.mode) {
      case 'latency':
        await delay(fault.latencyMs);
        return route.handler(ctx);
      case 'error':
        sendJson(ctx.res, fault.status, {
          error: { code: codeForStatus(fault.status), message, faultId: fault.id },
        });
        return;
      case '429':
        sendJson(
          ctx.res,
          429,
          { error: { code: ErrorCode.RATE_LIMITED, message, faultId: fault.id } },
          { 'retry-after': String(fault.retryAfterS) },
        );
        return;
      case 'down':
        // No answer at all: the caller sees a reset connection, as with a crashed upstream.
        ctx.req.socket.destroy();
        return;
      case 'in_progress':
        sendInProgress(ctx.res, (await keyOf(ctx, route)) ?? '', fault.id);
        return;
      case 'applied_late': {
        const held = heldResponse(ctx.res);
        await route.handler({ ...ctx, res: held.res });
        await delay(fault.latencyMs);
        held.flush();
        return;
      }
      default: {
        const unknown: never = fault;
        throw new Error(`Unhandled fault ${JSON.stringify(unknown)}`);
      }
    }
  };
  return {
    ...route,
    handler: async (ctx) => {
      options.counter.increment(key);
      ctx.res.once('close', options.counter.enter());
      const fault: AppliedFault | undefined = options.faults.take(key);
      ctx.log.info(
        fault ? { route: key, fault: fault.mode, faultId: fault.id } : { route: key },
        'call',
      );
      // A reset connection never reached the service: nothing is in flight.
      if (fault?.mode === 'down') return serve(ctx, fault);
      const idempotencyKey = await keyOf(ctx, route);
      if (idempotencyKey === undefined) return serve(ctx, fault);
      if (route.method === 'GET') {
        if (options.inFlight.has(idempotencyKey)) return sendInProgress(ctx.res, idempotencyKey);
        return serve(ctx, fault);
      }
      const entry = options.inFlight.enter(idempotencyKey);
      try {
        if (entry.concurrent > 1) return sendInProgress(ctx.res, idempotencyKey);
        return await serve(ctx, fault);
      } finally {
        entry.leave();
      }
    },
  };
}
