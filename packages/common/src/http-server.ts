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
  /**
   * Set by a handler once it knows the request is routine machine traffic (a BFF: the gateway's
   * schema polls): its access line is then logged at debug, like a quiet route's. A handler
   * decides this, not the server, because only the handler can tell who is calling.
   */
  quiet: boolean;
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
  /** Socket timeouts; each default from SOCKET_TIMEOUTS. */
  socketTimeouts?: Partial<SocketTimeouts>;
}

/**
 * How long a drain may take: in-flight answers first, then idle connections left for their clients
 * to close. Whoever sends SIGTERM (the launcher, Kubernetes) must wait longer than the sum, or it
 * kills a drain that is keeping its promise, resetting whatever arrives on a connection still open.
 */
export const DEFAULT_DRAIN = Object.freeze({ drainTimeoutMs: 10_000, idleGraceMs: 1_000 });

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

interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
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

/** A server's routes: exact paths found by one map lookup, `:param` patterns tried in order. */
class RouteTable {
  private readonly exact = new Map<string, CompiledRoute>();
  private readonly patterns: CompiledRoute[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes.map(compile)) {
      if (route.pattern) this.patterns.push(route);
      else this.exact.set(`${route.method} ${route.path}`, route);
    }
  }

  /** A HEAD is answered by the GET route (Node sends its headers without the body). */
  match(method: string, path: string): RouteMatch | undefined {
    const as = method === 'HEAD' ? 'GET' : method;
    const hit = this.exact.get(`${as} ${path}`);
    if (hit) return { route: hit, params: {} };
    for (const route of this.patterns) {
      if (route.method !== as) continue;
      const m = route.pattern?.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = decodeParam(m[i + 1] ?? '');
      });
      return { route, params };
    }
    return undefined;
  }

  /** The methods that serve `path` (none: the refusal is 404, not 405), as an `Allow` value. */
  allowedAt(path: string): string | undefined {
    const methods = new Set<string>(this.routesAt(path).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return methods.size > 0 ? [...methods].join(', ') : undefined;
  }

  /** Whether `path` is a GraphQL endpoint: its refusals (a 405 too) are GraphQL-shaped. */
  servesGraphQL(path: string): boolean {
    return this.routesAt(path).some((r) => r.graphql === true);
  }

  private routesAt(path: string): CompiledRoute[] {
    return [...this.exact.values(), ...this.patterns].filter((r) => r.path === path);
  }
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
 * A plain request path (segments of unreserved characters, no dot segments, no query): the URL
 * parser would return it unchanged as the pathname, so the hot path need not run it.
 */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[\w.~-]+)+\/?$|^\/$/;

/** The request target's path, and its URL when parsing it was needed to find the path. */
interface RequestTarget {
  path: string;
  url: URL | undefined;
}

/**
 * The request target's path. Node's parser accepts targets that URL rejects (`//host:99999`);
 * parsed outside the handler's try, such a target would reject the request listener's promise
 * and take the process down, so it is the client's error instead (undefined here).
 */
function requestTarget(target: string | undefined): RequestTarget | undefined {
  if (target !== undefined && PLAIN_PATH.test(target)) return { path: target, url: undefined };
  try {
    const url = new URL(target ?? '/', 'http://localhost');
    return { path: url.pathname, url };
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

/** `/healthz`, `/readyz` and (unless an admin port serves it) `/metrics`. */
function builtinRoutes(options: HttpServerOptions, connections: Connections): Route[] {
  const routes: Route[] = [
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
        const ready = !connections.draining && (options.isReady ? await options.isReady() : true);
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not_ready',
          ...options.readinessDetails?.(),
        });
      },
    },
  ];
  if (options.serveMetrics !== false) {
    const { registry } = options.metrics;
    routes.push({
      method: 'GET',
      path: '/metrics',
      quiet: true,
      handler: async ({ res }) => {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
    });
  }
  return routes;
}

/**
 * What a drain waits for: answers in flight first, then the open connections. It also holds
 * the draining flag every request and `/readyz` read.
 */
class Connections {
  draining = false;
  private readonly inFlight = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private onIdle: (() => void) | undefined;
  private onNoSockets: (() => void) | undefined;

  opened(res: ServerResponse): void {
    this.inFlight.add(res);
  }

  answered(res: ServerResponse): void {
    this.inFlight.delete(res);
    if (this.inFlight.size === 0) this.onIdle?.();
  }

  connected(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) this.onNoSockets?.();
    });
  }

  /** See `RunningServer.close`. */
  async drain(server: Server, options: HttpServerOptions): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const { logger } = options;
    logger.info({ inFlight: this.inFlight.size, connections: this.sockets.size }, 'draining');
    // Answers still to be written tell their clients to stop reusing the connection.
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    // http.Server#close also closes idle keep-alive connections at once (Node >= 19), and a
    // request a client had just written on one would be reset unanswered: the client could not
    // tell whether its order was placed. Stop accepting only, and close idle connections last.
    const closed = new Promise<void>((resolve) =>
      NetServer.prototype.close.call(server, () => resolve()),
    );
    if (this.inFlight.size > 0) {
      await settledWithin(options.drainTimeoutMs ?? DEFAULT_DRAIN.drainTimeoutMs, (resolve) => {
        this.onIdle = resolve;
      });
    }
    if (this.sockets.size > 0) {
      await settledWithin(options.idleGraceMs ?? DEFAULT_DRAIN.idleGraceMs, (resolve) => {
        this.onNoSockets = resolve;
      });
    }
    server.closeAllConnections();
    await closed;
    logger.info('closed');
  }
}

/** One server's parts, as every request sees them. */
interface ServerParts {
  options: HttpServerOptions;
  routes: RouteTable;
  connections: Connections;
}

/**
 * A request's context. Its URL object and its child logger (every line it logs carries `reqId`
 * and `traceId`) are made only when something asks for them: a request that is answered without
 * logging pays for neither, and its access line gets the same fields from the server's logger.
 */
class ExchangeContext implements RequestContext {
  readonly accessLog: Record<string, string | number | undefined> = {};
  quiet = false;
  private parsedUrl: URL | undefined;
  private childLog: Logger | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    target: RequestTarget | undefined,
    readonly params: Record<string, string>,
    readonly requestId: string,
    readonly traceparent: string,
    private readonly logger: Logger,
  ) {
    // A malformed target is answered 400 before any handler reads the URL.
    this.parsedUrl = target ? target.url : new URL('http://localhost/');
  }

  get url(): URL {
    this.parsedUrl ??= new URL(this.req.url ?? '/', 'http://localhost');
    return this.parsedUrl;
  }

  get log(): Logger {
    this.childLog ??= this.logger.child(this.logBindings());
    return this.childLog;
  }

  /** The access log line, with the request's ids as its child logger would have put them. */
  logAccess(level: 'info' | 'debug', fields: Record<string, unknown>): void {
    if (this.childLog) this.childLog[level](fields, 'request');
    else this.logger[level]({ ...this.logBindings(), ...fields }, 'request');
  }

  private logBindings() {
    // The trace id on every line a request logs joins logs to its trace across processes.
    return { reqId: this.requestId, traceId: traceIdOf(this.traceparent) };
  }
}

/** One request as the server tracks it from arrival to the access log line. */
interface Exchange {
  ctx: ExchangeContext;
  /** The request target's path; `/` for a target that could not be parsed. */
  path: string;
  found: RouteMatch | undefined;
  routeName: string;
  started: bigint;
  span: ReturnType<typeof startSpan> | undefined;
}

/**
 * With tracing on, this hop is a server span and the next hop becomes its child; off, there is
 * no span and a fresh span id keeps the caller's trace id flowing at no cost.
 */
function serverSpan(req: IncomingMessage, routeName: string, path: string) {
  if (!tracingEnabled()) return undefined;
  const incoming = req.headers['traceparent'];
  return startSpan(routeName, typeof incoming === 'string' ? incoming : undefined, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': req.method ?? '', 'url.path': path },
  });
}

function openExchange(
  parts: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget | undefined,
): Exchange {
  const started = process.hrtime.bigint();
  const requestId = requestIdFrom(req);
  res.setHeader('x-request-id', requestId);
  const path = target?.path ?? '/';
  const found = target ? parts.routes.match(req.method ?? 'GET', path) : undefined;
  const routeName = found ? `${found.route.method} ${found.route.path}` : 'unmatched';
  const span = serverSpan(req, routeName, path);
  const traceparent = span ? traceparentOf(span) : traceparentFrom(req);
  const ctx = new ExchangeContext(
    req,
    res,
    target,
    found?.params ?? {},
    requestId,
    traceparent,
    parts.options.logger,
  );
  return { ctx, path, found, routeName, started, span };
}

/** Once the response is gone: metrics, the span, the access log line, and the drain's count. */
function closeExchange(parts: ServerParts, exchange: Exchange): void {
  const { ctx, path, found, routeName, started, span } = exchange;
  const { req, res } = ctx;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { metrics } = parts.options;
  metrics.httpRequests.inc({ route: routeName, status: String(res.statusCode) });
  metrics.httpDuration.observe({ route: routeName }, seconds);
  if (span) {
    span.setAttribute('http.response.status_code', res.statusCode);
    span.end();
  }
  ctx.logAccess(found?.route.quiet || ctx.quiet ? 'debug' : 'info', {
    method: req.method,
    path,
    status: res.statusCode,
    ms: Math.round(seconds * 1e6) / 1e3,
    ...ctx.accessLog,
  });
  parts.connections.answered(res);
}

/** The route's handler, or the refusal the server makes itself (draining, bad target, no route). */
async function dispatch(
  parts: ServerParts,
  exchange: Exchange,
  target: RequestTarget | undefined,
): Promise<void> {
  const { ctx, path, found } = exchange;
  const { req, res } = ctx;
  if (lacksHost(req)) {
    // Answered as the parser's refusals are (a broken request, not a GraphQL one, even on a
    // GraphQL path), and the connection closes after it as after those.
    res.setHeader('connection', 'close');
    sendError(ctx, new AppError(ErrorCode.BAD_REQUEST, 'Missing Host header'));
    return;
  }
  try {
    if (parts.connections.draining) {
      res.setHeader('connection', 'close');
      throw new AppError(ErrorCode.SHUTTING_DOWN, 'Server is shutting down', {
        headers: { 'retry-after': '1' },
      });
    }
    if (!target) throw new AppError(ErrorCode.BAD_REQUEST, 'Malformed request target');
    if (!found) {
      const allow = parts.routes.allowedAt(path);
      throw allow
        ? new AppError(ErrorCode.METHOD_NOT_ALLOWED, `Method ${req.method} not allowed`, {
            headers: { allow },
          })
        : new AppError(ErrorCode.NOT_FOUND, `No route for ${req.method} ${path}`);
    }
    await found.route.handler(ctx);
  } catch (error) {
    const graphql = found ? found.route.graphql : parts.routes.servesGraphQL(path);
    if (graphql) sendGraphQLError(res, error, ctx.log);
    else sendError(ctx, error);
  }
}

/**
 * An HTTP/1.1 request without a Host header, which RFC 9112 (3.2) says a server must refuse with
 * a 400. Node's own check (`requireHostHeader`) answers it with a bare status line, no request id
 * and no error body, before any handler runs, so the server is created without it and checks here.
 */
function lacksHost(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host === undefined;
}

async function handleRequest(
  parts: ServerParts,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const target = requestTarget(req.url);
  const exchange = openExchange(parts, req, res, target);
  parts.connections.opened(res);
  res.once('close', () => closeExchange(parts, exchange));
  await dispatch(parts, exchange, target);
}

/**
 * How long a socket may hold this server's resources without progress. Idle keep-alive
 * connections close after 65 s (above the callers' 30 s pool idle time, so a caller never reuses
 * a socket the server is closing). A request must arrive whole within 30 s, its headers within
 * 20 s (Node's defaults, 300 s and 60 s, let one slow uploader hold a socket for five minutes);
 * a socket with no byte read or written for 120 s is closed, so a client that stops reading an
 * answer does not keep it in memory for ever.
 */
export interface SocketTimeouts {
  keepAliveMs: number;
  headersMs: number;
  requestMs: number;
  inactiveMs: number;
}
export const SOCKET_TIMEOUTS: Readonly<SocketTimeouts> = Object.freeze({
  keepAliveMs: 65_000,
  headersMs: 20_000,
  requestMs: 30_000,
  inactiveMs: 120_000,
});

/**
 * A small node:http server: a route table, request ids, health/readiness/metrics endpoints and
 * graceful drain. It is hand-rolled rather than a framework because the edge's hot path must
 * stay within a few percent of a bare socket, and every process shares this one file.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const connections = new Connections();
  const routes = new RouteTable([...builtinRoutes(options, connections), ...options.routes]);
  const parts: ServerParts = { options, routes, connections };
  const timeouts = { ...SOCKET_TIMEOUTS, ...options.socketTimeouts };
  // Node checks the header and request deadlines on this interval (default 30 s, which would
  // let a request deadline run late by as much).
  const connectionsCheckingInterval = Math.min(timeouts.headersMs, timeouts.requestMs) / 4;
  const server = createServer(
    { connectionsCheckingInterval, requireHostHeader: false },
    (req, res) => handleRequest(parts, req, res),
  );
  server.on('clientError', answerClientError);
  server.on('connection', (socket: Socket) => connections.connected(socket));
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.timeout = timeouts.inactiveMs;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  options.logger.info({ port, url }, 'listening');
  return { server, port, url, close: () => connections.drain(server, options) };
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
