import type { IncomingMessage } from 'node:http';
import { AppError, ErrorCode } from './errors.js';

/** Default cap on request bodies: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

const tooLarge = (limit: number) =>
  new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `Body exceeds ${limit} bytes`);

/**
 * How long a refused body may keep arriving after its 413: long enough for the client to read
 * the answer (closing on a client still sending resets the connection, and can lose it), short
 * of Node's request timeout, which answered a slow sender a second time (408) on the same
 * connection, where a keep-alive client could pair it with its next request.
 */
const REFUSED_BODY_DRAIN_MS = 2_000;

/** Drain the rest of a refused body unbuffered, then close the connection if it is still coming. */
function drainRefused(req: IncomingMessage): void {
  req.resume();
  const close = setTimeout(() => req.socket.destroy(), REFUSED_BODY_DRAIN_MS);
  close.unref();
  req.once('end', () => clearTimeout(close));
}

/**
 * Read a body as a Buffer, refusing more than `limit` bytes without buffering the excess.
 * Stream events, not `for await`: the async iterator costs a promise and a microtask per chunk
 * on every request of the hot path.
 */
export function readBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    drainRefused(req);
    return Promise.reject(tooLarge(limit));
  }
  // Events already past would never fire again.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(new Error('request body aborted'));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err: Error | undefined) => {
      req.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      settle(tooLarge(limit));
      drainRefused(req);
    };
    const onEnd = () => settle(undefined);
    // Closed before its end: the client went away mid-body.
    const onClose = () => settle(new Error('request body aborted'));
    req.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}

/** Read and parse a JSON object body; malformed JSON is the caller's error, not ours. */
export async function readJson(
  req: IncomingMessage,
  limit = DEFAULT_BODY_LIMIT_BYTES,
): Promise<Record<string, unknown>> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'Body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
