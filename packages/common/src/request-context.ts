import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Reuse a caller's request id only when it is short and plain, so logs cannot be forged. */
export function requestIdFrom(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * W3C trace context: keep the caller's trace id and start a new span (parent id) for this hop,
 * or begin a new trace when none or a malformed one arrives.
 */
export function traceparentFrom(req: IncomingMessage): string {
  const incoming = req.headers['traceparent'];
  const match = typeof incoming === 'string' ? TRACEPARENT.exec(incoming) : null;
  const traceId = match?.[1] ?? randomBytes(16).toString('hex');
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

/** Headers every outgoing call carries so a request can be followed across processes. */
export function propagationHeaders(ids: {
  requestId: string;
  traceparent: string;
}): Record<string, string> {
  return { 'x-request-id': ids.requestId, traceparent: ids.traceparent };
}
