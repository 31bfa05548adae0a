import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AppError, ErrorCode, toAppError } from './errors.js';
import { sendGraphQLError } from './graphql-errors.js';
import type { Logger } from './logger.js';
import type { ProcessMetrics } from './metrics.js';
import { requestIdFrom, traceparentFrom } from './request-context.js';
import { sendJson } from './send-json.js';
import { SpanKind, startSpan, traceparentOf, tracingEnabled } from './tracing.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  requestId: string;
  traceparent: string;
  log: Logger;
  /**
   * Fields the handler adds to this request's access log line (the gateway: surface, client
   * name, operation); the server adds method, path, status, duration, request and trace ids.
   */
  accessLog: Record<string, string | number | undefined>;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Exact path, or segments with `:name` parameters such as `/orders/:id`. */
  path: string;
  handler: Handler;
  /**
   * A GraphQL endpoint: refusals the server itself makes (draining, bad target) answer in
   * GraphQL's error shape, like the handler's own, so clients read one shape from one URL.
   */
  graphql?: boolean;
  /** Probes and scrapes: their access lines are logged at debug, not info. */
  quiet?: boolean;
}

export interface HttpServerOptions {
  service: string;
  logger: Logger;
  metrics: ProcessMetrics;
  routes: Route[];
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Answers `/readyz`; default: always ready once listening. */
  isReady?: () => boolean | Promise<boolean>;
  /** Serve `/metrics` here; default true. False when an admin port serves it instead. */
  serveMetrics?: boolean;
  /** States of dependencies `/readyz` reports beside its verdict (e.g. `{ idp: 'stale' }`). */
  readinessDetails?: () => Record<string, string>;
  /** How long SIGTERM waits for in-flight requests before closing sockets; default 10 s. */
  drainTimeoutMs?: number;
  /**
   * Once nothing is in flight, how long idle keep-alive connections are left for their clients
   * to close before the server closes them; default 1 s. See `close()` for why.
   */
  idleGraceMs?: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /**
   * Drain: readiness fails, the listener stops accepting, in-flight requests finish with
   * `Connection: close`, requests arriving on open connections are answered 503 SHUTTING_DOWN
   * (nothing was done: safe to retry), and idle connections are closed last, after a grace.
   */
  close(): Promise<void>;
}

interface CompiledRoute extends Route {
  pattern: RegExp | undefined;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  if (!route.path.includes(':')) return { ...route, pattern: undefined, keys: [] };
  const keys: string[] = [];
  const source = route.path
    .split('/')
    .map((seg) => {
      if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(seg.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), keys };
}

export function sendError(ctx: RequestContext, error: unknown): void {
  const appError = toAppError(error);
  if (appError.code === ErrorCode.INTERNAL_SERVER_ERROR) {
    ctx.log.error({ err: appError.cause ?? appError }, 'unhandled error');
  }
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  sendJson(ctx.res, appError.status, appError.toJSON(), appError.headers);
}

/**
 * The request target as a URL. Node's parser accepts targets that URL rejects (`//host:99999`);
 * parsed outside the handler's try, such a target would reject the request listener's promise
 * and take the process down, so it is the client's error instead.
 */
function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** A path parameter, decoded; malformed percent-encoding stays as sent (it then matches nothing). */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Requests Node's parser refuses (malformed request line or headers, bad chunking, oversized
 * headers, too slow) never reach a handler; Node would answer them with a bare status line.
 * Answer them in the same shape and with the same codes as every other refusal instead.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own check: once a response on this connection has started, an error answer would
  // be spliced into it. Before that (e.g. broken chunking of a body being read), answer.
  const current = '_httpMessage' in socket ? socket._httpMessage : undefined;
  const started = typeof current === 'object' && current !== null && 'headersSent' in current;
  const busy = started && current.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || busy) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError(ErrorCode.HEADERS_TOO_LARGE, 'Request headers are too large')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError(ErrorCode.REQUEST_TIMEOUT, 'Request not received in time')
        : new AppError(ErrorCode.BAD_REQUEST, 'Malformed HTTP request');
  const body = JSON.stringify(error.toJSON());
  socket.end(
    [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      `x-request-id: ${randomUUID()}`,
      'connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

/**
 * A small node:http server: a route table, request ids, health/readiness/metrics endpoints and
 * graceful drain. It is hand-rolled rather than a framework because the edge's hot path must
 * stay within a few percent of a bare socket, and every process shares this one file.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { logger, metrics } = options;
  const exact = new Map<string, CompiledRoute>();
  const patterns: CompiledRoute[] = [];
  const builtins: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      quiet: true,
      handler: ({ res }) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      quiet: true,
      handler: async ({ res }) => {
        const ready = !draining && (options.isReady ? await options.isReady() : true);
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not_ready',
          ...options.readinessDetails?.(),
        });
      },
    },
  ];
  if (options.serveMetrics !== false) {
    builtins.push({
      method: 'GET',
      path: '/metrics',
      quiet: true,
      handler: async ({ res }) => {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
    });
  }
  for (const route of [...builtins, ...options.routes].map(compile)) {
    if (route.pattern) patterns.push(route);
    else exact.set(`${route.method} ${route.path}`, route);
  }

  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let onIdle: (() => void) | undefined;
  const sockets = new Set<Socket>();
  let onNoSockets: (() => void) | undefined;

  const match = (method: string, path: string) => {
    const hit = exact.get(`${method} ${path}`);
    if (hit) return { route: hit, params: {} as Record<string, string> };
    for (const route of patterns) {
      if (route.method !== method) continue;
      const m = route.pattern?.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeParam(m[i + 1] ?? '');
      });
      return { route, params };
    }
    return undefined;
  };

  const server = createServer(async (req, res) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req);
    res.setHeader('x-request-id', requestId);
    const parsedUrl = requestUrl(req.url);
    const url = parsedUrl ?? new URL('http://localhost/');
    const found = parsedUrl ? match(req.method ?? 'GET', url.pathname) : undefined;
    const routeName = found ? `${found.route.method} ${found.route.path}` : 'unmatched';
    // With tracing on, this hop is a server span and the next hop becomes its child; off, a
    // fresh span id keeps the caller's trace id flowing at no cost.
    const incoming = req.headers['traceparent'];
    const span = tracingEnabled()
      ? startSpan(routeName, typeof incoming === 'string' ? incoming : undefined, {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': req.method ?? '', 'url.path': url.pathname },
        })
      : undefined;
    const traceparent = span ? traceparentOf(span) : traceparentFrom(req);
    // The trace id on every line a request logs joins logs to its trace across processes.
    const log = logger.child({ reqId: requestId, traceId: traceIdOf(traceparent) });
    const ctx: RequestContext = {
      req,
      res,
      url,
      params: found?.params ?? {},
      requestId,
      traceparent,
      log,
      accessLog: {},
    };
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ route: routeName, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route: routeName }, seconds);
      if (span) {
        span.setAttribute('http.response.status_code', res.statusCode);
        span.end();
      }
      log[found?.route.quiet ? 'debug' : 'info'](
        {
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Math.round(seconds * 1e6) / 1e3,
          ...ctx.accessLog,
        },
        'request',
      );
      if (inFlight.size === 0) onIdle?.();
    });
    try {
      if (draining) {
        res.setHeader('connection', 'close');
        throw new AppError(ErrorCode.SHUTTING_DOWN, 'Server is shutting down', {
          headers: { 'retry-after': '1' },
        });
      }
      if (!parsedUrl) throw new AppError(ErrorCode.BAD_REQUEST, 'Malformed request target');
      if (!found) {
        const known = [...exact.values(), ...patterns].some((r) => r.path === url.pathname);
        throw known
          ? new AppError(ErrorCode.METHOD_NOT_ALLOWED, `Method ${req.method} not allowed`)
          : new AppError(ErrorCode.NOT_FOUND, `No route for ${req.method} ${url.pathname}`);
      }
      await found.route.handler(ctx);
    } catch (error) {
      if (found?.route.graphql) sendGraphQLError(res, error, log);
      else sendError(ctx, error);
    }
  });
  server.on('clientError', answerClientError);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) onNoSockets?.();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  logger.info({ port, url }, 'listening');

  const close = async () => {
    if (draining) return;
    draining = true;
    logger.info({ inFlight: inFlight.size, connections: sockets.size }, 'draining');
    // Answers still to be written tell their clients to stop reusing the connection.
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    // http.Server#close also closes idle keep-alive connections at once (Node >= 19), and a
    // request a client had just written on one would be reset unanswered: the client could not
    // tell whether its order was placed. Stop accepting only, and close idle connections last.
    const closed = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(server, () => resolve()),
    );
    const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    if (inFlight.size > 0) {
      await settledWithin(drainTimeoutMs, (resolve) => {
        onIdle = resolve;
      });
    }
    if (sockets.size > 0) {
      await settledWithin(options.idleGraceMs ?? 1_000, (resolve) => {
        onNoSockets = resolve;
      });
    }
    server.closeAllConnections();
    await closed;
    logger.info('closed');
  };
  return { server, port, url, close };
}

/** Resolve when `arm`'s callback fires or after `ms`, whichever comes first. */
function settledWithin(ms: number, arm: (resolve: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    arm(resolve);
    setTimeout(resolve, ms).unref();
  });
}

/** The trace id field of a W3C traceparent (`00-<trace id>-<span id>-<flags>`). */
function traceIdOf(traceparent: string): string {
  return traceparent.slice(3, 35);
}
