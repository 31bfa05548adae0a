import { Agent, request } from 'undici';
import { parseRetryAfterMs } from './retry-after.js';
import { UpstreamError } from './upstream-error.js';
import { DEFAULT_UPSTREAM_POLICY } from './upstream-policy.js';

export interface HttpClientOptions {
  /** Name used in errors, metrics and logs. */
  service: string;
  baseUrl: string;
  /** Keep-alive connections per origin; default from DEFAULT_UPSTREAM_POLICY. */
  connections?: number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: unknown;
  /** Aborting it destroys the socket's request, so an abandoned call stops costing anything. */
  signal?: AbortSignal;
  /**
   * Who the call is made for (e.g. `user:u-1`), so `withBreaker` keeps it to that caller's
   * share of the upstream; never sent. Calls without one count against the capacity only.
   */
  caller?: string;
}

export interface HttpClient {
  readonly service: string;
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, options?: RequestOptions): Promise<T>;
  close(): Promise<void>;
}

function noAnswer(service: string, what: string, err: unknown, signal?: AbortSignal) {
  const [detail, kind] = signal?.aborted
    ? [
        signal.reason instanceof UpstreamError ? signal.reason.message : 'aborted',
        'timeout' as const,
      ]
    : [err instanceof Error ? err.message : String(err), 'network' as const];
  return new UpstreamError(service, 0, `${service}: ${what} ${detail}`, undefined, undefined, kind);
}

/**
 * JSON over a keep-alive undici pool. Deadlines are not its business (see withTimeout): it only
 * honours the caller's signal, which aborts the socket's request rather than abandoning it.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const dispatcher = new Agent({
    connections: options.connections ?? DEFAULT_UPSTREAM_POLICY.connections,
    keepAliveTimeout: 30_000,
  });
  const { service } = options;

  async function send<T>(method: 'GET' | 'POST', path: string, opts: RequestOptions = {}) {
    const what = `${method} ${path}`;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(new URL(path, options.baseUrl), {
        method,
        dispatcher,
        signal: opts.signal,
        headers: {
          accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...opts.headers,
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (err) {
      throw noAnswer(service, what, err, opts.signal);
    }
    let body: unknown;
    try {
      const text = await res.body.text();
      body = text ? JSON.parse(text) : undefined;
    } catch (err) {
      throw noAnswer(service, `${what} unreadable answer:`, err, opts.signal);
    }
    if (res.statusCode >= 400) {
      throw new UpstreamError(
        service,
        res.statusCode,
        `${service}: ${what} answered ${res.statusCode}`,
        parseRetryAfterMs(res.headers['retry-after']),
        body,
      );
    }
    return body as T;
  }

  return {
    service,
    get: (path, opts) => send('GET', path, opts),
    post: (path, opts) => send('POST', path, { ...opts, body: opts?.body ?? {} }),
    close: () => dispatcher.close(),
  };
}
