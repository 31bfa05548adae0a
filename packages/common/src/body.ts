import type { IncomingMessage } from 'node:http';
import { AppError, ErrorCode } from './errors.js';

/** Default cap on request bodies: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Read a body as a Buffer, refusing more than `limit` bytes without buffering the excess. */
export async function readBody(
  req: IncomingMessage,
  limit = DEFAULT_BODY_LIMIT_BYTES,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `Body exceeds ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `Body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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
