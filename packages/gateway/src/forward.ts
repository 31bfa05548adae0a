import type { ServerResponse } from 'node:http';
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

  const requestOptions = (req: ForwardRequest) => ({
    path,
    method: 'POST' as const,
    headers: {
      'content-type': 'application/json',
      'content-length': String(req.body.length),
      'x-request-id': req.requestId,
      traceparent: req.traceparent,
      [INTERNAL_TOKEN_HEADER]: req.identityToken,
    },
    body: req.body,
  });
  const unavailable = (err: unknown) =>
    new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The surface backend is unavailable', {
      cause: err,
    });

  async function send(req: ForwardRequest) {
    try {
      return await pool.request(requestOptions(req));
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * Streams the answer straight into the client's response (undici's `stream`, no intermediate
   * Readable: the cheapest way through). A client that hangs up mid-answer is not an error.
   */
  async function forward(req: ForwardRequest, res: ServerResponse): Promise<void> {
    let started = false;
    try {
      await pool.stream(requestOptions(req), ({ statusCode, headers }) => {
        started = true;
        res.statusCode = statusCode;
        for (const name of PASS_HEADERS) {
          const value = headers[name];
          if (value !== undefined) res.setHeader(name, value);
        }
        return res;
      });
    } catch (err) {
      if (res.destroyed) return;
      throw started ? err : unavailable(err);
    }
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
