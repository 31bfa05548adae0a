import type { ApolloServer, BaseContext, HTTPGraphQLRequest } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  AppError,
  ErrorCode,
  type Handler,
  type RequestContext,
  readBody,
  sendGraphQLError,
} from '@edge/common';

async function readGraphQLBody(ctx: RequestContext): Promise<unknown> {
  if (ctx.req.method !== 'POST') return undefined;
  const raw = await readBody(ctx.req);
  try {
    return raw.length ? JSON.parse(raw.toString('utf8')) : {};
  } catch {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Body is not valid JSON');
  }
}

/** Bridges node:http to Apollo Server's transport-neutral `executeHTTPGraphQLRequest`. */
export function apolloHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: (ctx: RequestContext) => Promise<TContext>,
): Handler {
  return async (ctx) => {
    // Identity and body problems are HTTP-level refusals (401/400), decided before Apollo runs.
    let built: TContext;
    let body: unknown;
    try {
      built = await context(ctx);
      body = await readGraphQLBody(ctx);
    } catch (err) {
      sendGraphQLError(ctx.res, err, ctx.log);
      return;
    }
    const { req, res } = ctx;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const request: HTTPGraphQLRequest = {
      method: req.method ?? 'POST',
      headers,
      search: ctx.url.search,
      body,
    };
    const answer = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => built,
    });
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      res.end(answer.body.string);
      return;
    }
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
