import type { HttpClient, RequestOptions } from './http-client.js';
import { UpstreamError } from './upstream-error.js';

/**
 * Give every call a deadline that aborts its socket. opossum's own timeout only stops waiting;
 * the request would keep a pooled connection busy and might still land later.
 */
export function withTimeout(client: HttpClient, timeoutMs: number): HttpClient {
  const { service } = client;
  const bounded = (opts: RequestOptions = {}): RequestOptions => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const reason = new UpstreamError(service, 0, `timed out after ${timeoutMs} ms`);
    const controller = new AbortController();
    const abort = () => controller.abort(reason);
    deadline.addEventListener('abort', abort, { once: true });
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
    return { ...opts, signal: controller.signal };
  };
  return {
    service,
    get: (path, opts) => client.get(path, bounded(opts)),
    post: (path, opts) => client.post(path, bounded(opts)),
    close: () => client.close(),
  };
}
