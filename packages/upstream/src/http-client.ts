import { Agent, request } from 'undici';
import { UpstreamError } from './upstream-error';

export interface HttpClientOptions {
  /** Name used in errors, metrics and logs. */
  service: string;
  baseUrl: string;
  /** Per-request deadline, headers to last body byte; default 2,000 ms. */
  timeoutMs?: number;
  /** Keep-alive connections per origin; default 64. */
  connections?: number;
}

export const DEFAULT_HTTP_CLIENT = Object.freeze({ timeoutMs: 2000, connections: 64 });

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HttpClient {
  readonly service: string;
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, options?: RequestOptions): Promise<T>;
  close(): Promise<void>;
}

function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * JSON over a keep-alive undici pool. The deadline aborts the socket, so a timed-out call does
 * not keep running behind the caller's back (opossum's timeout alone would not cancel it).
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_CLIENT.timeoutMs;
  const dispatcher = new Agent({
    connections: options.connections ?? DEFAULT_HTTP_CLIENT.connections,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const { service } = options;

  async function send<T>(method: 'GET' | 'POST', path: string, opts: RequestOptions = {}) {
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(new URL(path, options.baseUrl), {
        method,
        dispatcher,
        signal,
        headers: {
          accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...opts.headers,
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch (err) {
      const reason = signal.aborted ? `timed out after ${timeoutMs} ms` : (err as Error).message;
      throw new UpstreamError(service, 0, `${service}: ${method} ${path} ${reason}`);
    }
    let body: unknown;
    try {
      const text = await res.body.text();
      body = text ? JSON.parse(text) : undefined;
    } catch (err) {
      const reason = signal.aborted ? `timed out after ${timeoutMs} ms` : (err as Error).message;
      throw new UpstreamError(service, res.statusCode, `${service}: unreadable answer: ${reason}`);
    }
    if (res.statusCode >= 400) {
      throw new UpstreamError(
        service,
        res.statusCode,
        `${service}: ${method} ${path} answered ${res.statusCode}`,
        retryAfterSeconds(res.headers['retry-after']),
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
