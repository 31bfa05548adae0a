import { recordFailure, SpanKind, startSpan, traceparentOf, tracingEnabled } from '@edge/common';
import type { CallOptions, StaleMark } from './call-options.js';
import type { GuardedClient } from './with-breaker.js';

/**
 * One client span per upstream read, outermost, so it covers the breaker, the deadline and the
 * stale-cache fallback: `upstream.breaker.state` is the breaker as the read began and
 * `upstream.cache_hit` says whether a last good value was served. The span's own traceparent
 * goes to the service, so a traced service would become its child. Off, it adds one check.
 */
export function withTracing<A, R>(
  read: (arg: A, call: CallOptions) => Promise<R>,
  upstream: GuardedClient,
  operation: string,
): (arg: A, call: CallOptions) => Promise<R> {
  return async (arg, call) => {
    if (!tracingEnabled()) return read(arg, call);
    const span = startSpan(`${upstream.service} ${operation}`, call.headers['traceparent'], {
      kind: SpanKind.CLIENT,
      attributes: {
        'upstream.service': upstream.service,
        'upstream.operation': operation,
        'upstream.breaker.state': upstream.state(),
      },
    });
    let cacheHit = false;
    // Spread, so the caller and `mayServeStale` reach the read: built field by field, a traced
    // read lost the stale-value ownership check and the caller's share.
    const traced: CallOptions = {
      ...call,
      headers: { ...call.headers, traceparent: traceparentOf(span) },
      onStale: (mark: StaleMark) => {
        cacheHit = true;
        call.onStale?.(mark);
      },
    };
    try {
      return await read(arg, traced);
    } catch (err) {
      recordFailure(span, err);
      throw err;
    } finally {
      span.setAttribute('upstream.cache_hit', cacheHit);
      span.end();
    }
  };
}
