import type { HttpClient, RequestOptions } from './http-client.js';
import { UpstreamError } from './upstream-error.js';

/**
 * Give every call a deadline that aborts its socket. opossum's own timeout only stops waiting;
 * the request would keep a pooled connection busy and might still land later.
 *
 * One timer per call, cleared with the answer (the client reads the whole body before it
 * resolves): `AbortSignal.timeout` would fire for every call long after it answered, and keep
 * the call's objects alive until then. The error is built only when the deadline passes.
 */
export function withTimeout(client: HttpClient, timeoutMs: number): HttpClient {
  const { service } = client;
  const bounded = async <T>(
    call: (opts: RequestOptions) => Promise<T>,
    opts: RequestOptions = {},
  ): Promise<T> => {
    const controller = new AbortController();
    const abort = () =>
      controller.abort(new UpstreamError(service, 0, `timed out after ${timeoutMs} ms`));
    const timer = setTimeout(abort, timeoutMs);
    const outer = opts.signal;
    if (outer?.aborted) abort();
    else outer?.addEventListener('abort', abort, { once: true });
    try {
      return await call({ ...opts, signal: controller.signal });
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', abort);
    }
  };
  return {
    service,
    get: (path, opts) => bounded((o) => client.get(path, o), opts),
    post: (path, opts) => bounded((o) => client.post(path, o), opts),
    close: () => client.close(),
  };
}
