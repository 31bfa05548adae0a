import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, HTTP_STATUS_BY_CODE, type Route, sendJson } from '@edge/common';
import type { CallCounter } from './call-counter';
import type { AppliedFault, FaultRegistry } from './faults';

export interface InstrumentOptions {
  counter: CallCounter;
  faults: FaultRegistry;
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

/**
 * Wrap a service route so every call is counted, then faulted if a rule matches, then served.
 * Counting and taking the fault happen before the first await: that is what makes a rule for
 * N calls hit exactly N calls under concurrency, and `/__calls` include faulted calls.
 */
export function instrumentRoute(route: Route, options: InstrumentOptions): Route {
  const key = routeKey(route);
  return {
    ...route,
    handler: async (ctx) => {
      options.counter.increment(key);
      const fault: AppliedFault | undefined = options.faults.take(key);
      ctx.log.info(
        fault ? { route: key, fault: fault.mode, faultId: fault.id } : { route: key },
        'call',
      );
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
        default: {
          const unknown: never = fault;
          throw new Error(`Unhandled fault ${JSON.stringify(unknown)}`);
        }
      }
    },
  };
}
