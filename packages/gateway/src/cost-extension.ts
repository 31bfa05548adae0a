import type { ThrottleStatus } from './rate-limit.js';

/** What a partner learns about its budget on every answer, as Shopify and GitHub report it. */
export interface CostExtension {
  requestedQueryCost: number;
  throttleStatus: ThrottleStatus;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const EXTENSIONS_KEY = Buffer.from('"extensions"');

/**
 * Add `extensions.cost` to a BFF's JSON answer. Partner answers are buffered for this (they are
 * small and partner traffic is the lowest-volume surface); web and mobile keep streaming. The
 * same budget also travels in the RateLimit headers, so a client can read either. An answer
 * that is not a JSON object (a proxy's HTML error page) passes through untouched.
 *
 * Most answers carry no `extensions` at all: the member is then appended before the closing
 * brace, without parsing and re-serialising the whole answer (that round trip was the largest
 * gateway function in the partner profile). Answers that mention "extensions" anywhere take the
 * parsing path, which merges.
 */
export function withCostExtension(body: Buffer, cost: CostExtension): Buffer {
  return withExtensions(body, { cost });
}

/** Merge `fields` into a JSON answer's `extensions` (same fast path as the cost extension). */
export function withExtensions(body: Buffer, fields: Record<string, unknown>): Buffer {
  const last = body.length - 1;
  if (body[0] === OPEN_BRACE && body[last] === CLOSE_BRACE && !body.includes(EXTENSIONS_KEY)) {
    const member = `${last > 1 ? ',' : ''}"extensions":${JSON.stringify(fields)}}`;
    return Buffer.concat([body.subarray(0, last), Buffer.from(member)]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  const answer = parsed as { extensions?: Record<string, unknown> };
  answer.extensions = { ...answer.extensions, ...fields };
  return Buffer.from(JSON.stringify(answer));
}
