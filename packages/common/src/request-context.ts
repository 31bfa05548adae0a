import { randomFillSync, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * The parts of a W3C `traceparent`, or undefined when it is absent or invalid: malformed, or an
 * all-zero trace or parent id, which the spec makes invalid (such a trace is restarted).
 */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; spanId: string; flags: string } | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value);
  const [, traceId, spanId, flags] = match ?? [];
  if (!traceId || !spanId || !flags) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, flags };
}

/** Reuse a caller's request id only when it is short and plain, so logs cannot be forged. */
export function requestIdFrom(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
}

/** Entropy drawn from the OS in one call and handed out in slices, as randomUUID does. */
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

/**
 * `bytes` random bytes as hex. Two randomBytes() calls per request were the gateway's largest
 * single crypto cost in the profile; one refill serves about 170 traceparents.
 */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const hex = POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * W3C trace context: keep the caller's trace id and start a new span (parent id) for this hop,
 * or begin a new trace when none or a malformed one arrives.
 */
export function traceparentFrom(req: IncomingMessage): string {
  const incoming = req.headers['traceparent'];
  const parent = parseTraceparent(typeof incoming === 'string' ? incoming : undefined);
  return `00-${parent?.traceId ?? randomHex(16)}-${randomHex(8)}-${parent?.flags ?? '01'}`;
}

/** Headers every outgoing call carries so a request can be followed across processes. */
export function propagationHeaders(ids: {
  requestId: string;
  traceparent: string;
}): Record<string, string> {
  return { 'x-request-id': ids.requestId, traceparent: ids.traceparent };
}
