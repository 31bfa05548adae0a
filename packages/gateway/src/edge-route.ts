import {
  AppError,
  ErrorCode,
  type Handler,
  type Identity,
  isAppError,
  type RequestContext,
  readBody,
  sendGraphQLError,
  toAppError,
} from '@edge/common';
import type { Authenticator } from './auth.js';
import type { ClientAddress } from './client-address.js';
import type { ClientHeaders, ContractResolver } from './client-contracts.js';
import { applyCors, type CorsPolicy } from './cors.js';
import { withExtensions } from './cost-extension.js';
import type { AbuseLimits } from './defaults.js';
import type { DeprecationSignaller } from './deprecation-signals.js';
import type { EdgeMetrics, EdgeOutcome } from './edge-metrics.js';
import type { BufferedAnswer, Forwarder, ForwardRequest } from './forward.js';
import { type GraphQLRequest, parseGraphQLBody } from './graphql-request.js';
import type { InFlightLimit } from './in-flight-limit.js';
import type { InternalSigner } from './internal-signer.js';
import type { IntrospectionRequest } from './introspection.js';
import type { LimitAnswer, LimitSubject, RateLimiter } from './rate-limit.js';
import type { SurfaceDef } from './surfaces.js';

export interface EdgeRouteDeps {
  surface: SurfaceDef;
  authenticate: Authenticator;
  /**
   * Validates a document against the surface's schema and limits; returns its cost (list sizes
   * from this request's variables) and the mutations it runs.
   */
  validate: (
    query: string,
    operationName: string | undefined,
    variables: Record<string, unknown> | undefined,
  ) => { cost: number; mutations: number; deprecations: readonly string[]; introspection: boolean };
  /** The answer to a validated introspection-only operation, from the client-facing schema. */
  introspect: (request: IntrospectionRequest) => BufferedAnswer;
  /** The document each operation runs: the client version's registered ones, APQ, or its own. */
  resolveQuery: ContractResolver;
  rateLimiter: RateLimiter;
  /** Requests each caller may have in flight at once, shared by every surface of the process. */
  inFlight: InFlightLimit;
  /** Who failed sign-ins are counted against (the socket, or the client behind trusted proxies). */
  clientAddress: ClientAddress;
  sign: InternalSigner;
  forwarder: Forwarder;
  limits: AbuseLimits;
  /** Sent on every answer of this surface (Deprecation/Sunset on a deprecated version). */
  fixedHeaders: Record<string, string>;
  /** Deprecation/Sunset and `extensions.deprecations` for answers selecting deprecated fields. */
  deprecations: DeprecationSignaller;
  /** Browser origins allowed to call this surface. */
  cors: CorsPolicy;
  metrics: EdgeMetrics;
}

interface PlannedOperation {
  request: GraphQLRequest;
  /** The body to forward: the client's own bytes unless the document had to be filled in. */
  body: Buffer;
  cost: number;
  /** Requests it counts as: one, or one per mutation it runs (ten aliased placeOrder are ten). */
  requests: number;
  /** Mutations it runs. */
  mutations: number;
  /** `@deprecated` fields it selects (from the cached verdict). */
  deprecations: readonly string[];
  /** The document it runs, when it selects only introspection: the edge answers it itself. */
  introspection: string | undefined;
}

function subjectOf(surface: SurfaceDef, identity: Identity, cost: number): LimitSubject {
  switch (identity.surface) {
    case 'web':
    case 'mobile':
      return { surface: surface.name, id: identity.userId, class: 'user' };
    case 'partner': {
      const tier = identity.tier === 'pro' ? 'pro' : 'free';
      return {
        surface: surface.name,
        id: identity.keyId,
        class: tier === 'pro' ? 'partner-pro' : 'partner-free',
        cost: { tier, keyId: identity.keyId, requested: cost },
      };
    }
    case 'internal':
      throw new AppError(ErrorCode.FORBIDDEN, 'Internal identities do not call the edge');
  }
}

const header = (ctx: RequestContext, name: string) => {
  const value = ctx.req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

const FAILED_SIGN_IN = new Set<string>([ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN]);

const clientOf = (ctx: RequestContext): ClientHeaders => ({
  name: header(ctx, 'apollographql-client-name'),
  version: header(ctx, 'apollographql-client-version'),
});

/**
 * Only `application/json` is served: a `text/plain` or form POST is a "simple" cross-site
 * request a browser sends from any page without a preflight, so it is refused before anything.
 */
function requireJson(ctx: RequestContext): void {
  const type = ctx.req.headers['content-type'] ?? '';
  if (/^application\/json\s*(;|$)/i.test(type.trim())) return;
  throw new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Requests must be application/json');
}

/**
 * The edge's hot path for one surface: authenticate, read and bound the body, resolve persisted
 * documents, validate each operation against the surface's schema and abuse limits (cached per
 * document), count the request and its cost in one Redis round trip, then forward to the BFF
 * with the edge-signed identity. Anything rejected here never reaches a BFF.
 */
export function edgeRoute(deps: EdgeRouteDeps): Handler {
  const partner = deps.surface.auth.kind === 'api-key';

  const authenticate = async (ctx: RequestContext): Promise<Identity> => {
    try {
      return await deps.authenticate(deps.surface, ctx.req);
    } catch (err) {
      // Failed authentication is counted per client address, so guessing keys, replaying bad
      // tokens or probing a key against versions it lacks is throttled like any anonymous
      // traffic; success never pays this round trip.
      if (isAppError(err) && FAILED_SIGN_IN.has(err.code)) {
        await deps.rateLimiter.consume({
          surface: deps.surface.name,
          id: deps.clientAddress(ctx.req),
          class: 'anonymous',
        });
      }
      throw err;
    }
  };

  const plan = (
    raw: Buffer,
    client: ClientHeaders,
  ): { batch: boolean; operations: PlannedOperation[] } => {
    const parsed = parseGraphQLBody(raw, deps.limits);
    const operations = parsed.operations.map((request) => {
      const { query, rebuilt, remember } = deps.resolveQuery(request, client);
      const { cost, mutations, deprecations, introspection } = deps.validate(
        query,
        request.operationName,
        request.variables,
      );
      remember?.();
      const body =
        rebuilt || parsed.batch
          ? Buffer.from(
              JSON.stringify({
                query,
                operationName: request.operationName,
                variables: request.variables,
              }),
            )
          : raw;
      return {
        request,
        body,
        cost,
        requests: Math.max(1, mutations),
        mutations,
        deprecations,
        introspection: introspection ? query : undefined,
      };
    });
    return { batch: parsed.batch, operations };
  };

  /**
   * Read and plan the request; a refusal here (body, parse, validation, abuse limits) counts one
   * request against the caller, so a key cannot hammer the edge with refused requests for free.
   * Its cost budget is untouched: nothing was priced. Over the limit, the answer is the 429.
   */
  const readAndPlan = async (ctx: RequestContext, identity: Identity) => {
    try {
      return plan(await readBody(ctx.req, deps.limits.maxBodyBytes), clientOf(ctx));
    } catch (err) {
      if (isAppError(err) && err.status >= 400 && err.status < 500) {
        const { cost: _unpriced, ...subject } = subjectOf(deps.surface, identity, 0);
        await deps.rateLimiter.consume(subject);
      }
      throw err;
    }
  };

  return async (ctx) => {
    ctx.accessLog['surface'] = deps.surface.name;
    const client = ctx.req.headers['apollographql-client-name'];
    // Bounded: a client-supplied string goes into every log line of the request.
    if (typeof client === 'string') ctx.accessLog['client'] = client.slice(0, 64);
    const started = process.hrtime.bigint();
    let operation = 'unknown';
    let code = 'OK';
    let partnerUsage: EdgeOutcome['partner'];
    let callerKey: string | undefined;
    let leave: (() => void) | undefined;
    try {
      for (const [name, value] of Object.entries(deps.fixedHeaders)) ctx.res.setHeader(name, value);
      applyCors(deps.cors, ctx.req, ctx.res);
      requireJson(ctx);
      const identity = await authenticate(ctx);
      const caller = subjectOf(deps.surface, identity, 0);
      callerKey = `${caller.class}:${caller.id}`;
      deps.rateLimiter.refuseIfSpent(caller);
      // Held until this request's work is done: the answer sent, or the BFF's answer in after
      // the client hung up. Given back when the client hung up, it let one user with sockets
      // it closed at once keep any number of requests running at the BFF.
      leave = deps.inFlight.enter(caller.class, caller.id);
      const { batch, operations } = await readAndPlan(ctx, identity);
      operation = batch ? 'batch' : (operations[0]?.request.operationName ?? 'anonymous');
      // A batch's operations are forwarded at once, each its own BFF request: holding one slot,
      // a batch of 10 let one user have ten times its cap running at the BFF.
      if (operations.length > 1) {
        const first = leave;
        const rest = deps.inFlight.enter(caller.class, caller.id, operations.length - 1);
        leave = () => {
          first();
          rest();
        };
      }
      const totalCost = operations.reduce((sum, op) => sum + op.cost, 0);
      const requests = operations.reduce((sum, op) => sum + op.requests, 0);
      const mutations = operations.reduce((sum, op) => sum + op.mutations, 0);
      if (identity.surface === 'partner') {
        const { partnerId: id, keyId } = identity;
        partnerUsage = { id, keyId, requests, cost: totalCost };
      }
      const limit = await deps.rateLimiter.consume({
        ...subjectOf(deps.surface, identity, totalCost),
        requests,
        mutations,
      });
      for (const [name, value] of Object.entries(limit.headers)) ctx.res.setHeader(name, value);
      const base: Omit<ForwardRequest, 'body'> = {
        identityToken: await deps.sign(identity, deps.surface.bff),
        requestId: ctx.requestId,
        traceparent: ctx.traceparent,
      };
      const [single] = operations;
      // Only answers selecting deprecated fields pay for the signal (and are buffered for it).
      const selectsDeprecated = operations.some((op) => op.deprecations.length > 0);
      if (!batch && !partner && single && !selectsDeprecated && !single.introspection) {
        await deps.forwarder.forward({ ...base, body: single.body }, ctx.res);
        return;
      }
      await answerBuffered(ctx, deps, base, operations, batch, limit);
    } catch (err) {
      code = toAppError(err).code;
      sendGraphQLError(ctx.res, err, ctx.log);
    } finally {
      leave?.();
      if (code === 'OK' && ctx.res.statusCode >= 400) code = `HTTP_${ctx.res.statusCode}`;
      deps.metrics.observe({
        surface: deps.surface.name,
        operation,
        ...(callerKey === undefined ? {} : { caller: callerKey }),
        code,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        ...(partnerUsage ? { partner: partnerUsage } : {}),
      });
    }
  };
}

/**
 * Whether an answer served data: only those carry deprecation signals, since an answer that ran
 * nothing (the BFF refused the variables, say) used no deprecated field.
 */
function servedData(answer: BufferedAnswer): boolean {
  if (answer.status >= 300) return false;
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as { data?: unknown } | null;
    return typeof parsed === 'object' && parsed !== null && parsed.data != null;
  } catch {
    return false;
  }
}

/**
 * Batches, partner answers, answers selecting deprecated fields and introspection: forward each
 * operation (or answer its introspection here), add cost and deprecations, then answer in one
 * body.
 */
async function answerBuffered(
  ctx: RequestContext,
  deps: EdgeRouteDeps,
  base: Omit<ForwardRequest, 'body'>,
  operations: PlannedOperation[],
  batch: boolean,
  limit: LimitAnswer,
): Promise<void> {
  const answers = await Promise.all(
    operations.map(async (op) => {
      const answer =
        op.introspection === undefined
          ? await deps.forwarder.forwardBuffered({ ...base, body: op.body })
          : deps.introspect({ ...op.request, query: op.introspection });
      const extensions: Record<string, unknown> = {};
      if (limit.throttleStatus) {
        extensions['cost'] = { requestedQueryCost: op.cost, throttleStatus: limit.throttleStatus };
      }
      const deprecations = op.deprecations.length > 0 && servedData(answer) ? op.deprecations : [];
      if (deprecations.length > 0) extensions['deprecations'] = deprecations;
      const body =
        Object.keys(extensions).length > 0 ? withExtensions(answer.body, extensions) : answer.body;
      return { ...answer, body, deprecations };
    }),
  );
  const fields =
    answers.length === 1
      ? (answers[0]?.deprecations ?? [])
      : answers.flatMap((a) => a.deprecations);
  const signal =
    fields.length === 0
      ? undefined
      : deps.deprecations(fields, header(ctx, 'apollographql-client-name'));
  for (const [name, value] of Object.entries(signal?.headers ?? {})) ctx.res.setHeader(name, value);
  const [first] = answers;
  if (!batch && first) {
    ctx.res.writeHead(first.status, {
      'content-type': first.contentType ?? 'application/json',
      'content-length': first.body.length,
    });
    ctx.res.end(first.body);
    return;
  }
  const body = Buffer.concat([
    Buffer.from('['),
    ...answers.flatMap((a, i) => (i === 0 ? [a.body] : [Buffer.from(','), a.body])),
    Buffer.from(']'),
  ]);
  ctx.res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
  });
  ctx.res.end(body);
}
