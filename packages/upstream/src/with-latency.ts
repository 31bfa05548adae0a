import type { HttpClient } from './http-client.js';
import { UpstreamError } from './upstream-error.js';
import type { UpstreamMetrics } from './upstream-metrics.js';

function outcome(err: unknown): string {
  if (!(err instanceof UpstreamError)) return 'error';
  if (err.reason === 'timeout') return 'timeout';
  return err.isClientError ? 'client_error' : 'error';
}

/** Time every call that reaches the network (inside the breaker, so refusals are not counted). */
export function withLatency(client: HttpClient, metrics: UpstreamMetrics): HttpClient {
  const { service } = client;
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const end = metrics.latency.startTimer({ service });
    try {
      const value = await call();
      end({ outcome: 'ok' });
      return value;
    } catch (err) {
      end({ outcome: outcome(err) });
      throw err;
    }
  };
  return {
    service,
    get: (path, opts) => timed(() => client.get(path, opts)),
    post: (path, opts) => timed(() => client.post(path, opts)),
    close: () => client.close(),
  };
}
