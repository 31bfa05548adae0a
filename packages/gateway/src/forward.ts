import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { AppError, ErrorCode, INTERNAL_TOKEN_HEADER } from '@edge/common';
import { Pool } from 'undici';

export interface ForwardOptions {
  /** Keep-alive connections to each BFF; default 128. */
  connections?: number;
  /** Deadline for the BFF's answer headers; default 15 s (BFFs bound their own upstreams). */
  headersTimeoutMs?: number;
}

export const DEFAULT_FORWARD = Object.freeze({ connections: 128, headersTimeoutMs: 15_000 });

/** A BFF's whole answer, for responses the edge must change (cost extensions, batches). */
export interface BufferedAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

export interface ForwardRequest {
  body: Buffer;
  identityToken: string;
  requestId: string;
  traceparent: string;
}

/** Answer headers worth passing from a BFF to the client; everything else stays inside. */
const PASS_HEADERS = ['content-type', 'content-length', 'cache-control'] as const;

/**
 * Forward a validated operation to its BFF as it is and stream the answer back. Only the edge's
 * own headers go upstream: client headers (Authorization, cookies, forged identity) never do.
 */
export function createForwarder(upstream: URL, options: ForwardOptions = {}) {
  const pool = new Pool(upstream.origin, {
    connections: options.connections ?? DEFAULT_FORWARD.connections,
    headersTimeout: options.headersTimeoutMs ?? DEFAULT_FORWARD.headersTimeoutMs,
    keepAliveTimeout: 30_000,
    pipelining: 1,
  });
  const path = upstream.pathname;

  async function send(req: ForwardRequest) {
    try {
      return await pool.request({
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(req.body.length),
          'x-request-id': req.requestId,
          traceparent: req.traceparent,
          [INTERNAL_TOKEN_HEADER]: req.identityToken,
        },
        body: req.body,
      });
    } catch (err) {
      throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The surface backend is unavailable', {
        cause: err,
      });
    }
  }

  async function forward(req: ForwardRequest, res: ServerResponse): Promise<void> {
    const answer = await send(req);
    res.statusCode = answer.statusCode;
    for (const name of PASS_HEADERS) {
      const value = answer.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    await pipeline(answer.body, res);
  }

  async function forwardBuffered(req: ForwardRequest): Promise<BufferedAnswer> {
    const answer = await send(req);
    const contentType = answer.headers['content-type'];
    return {
      status: answer.statusCode,
      contentType: typeof contentType === 'string' ? contentType : undefined,
      body: Buffer.from(await answer.body.arrayBuffer()),
    };
  }

  return { forward, forwardBuffered, close: () => pool.close() };
}

export type Forwarder = ReturnType<typeof createForwarder>;
