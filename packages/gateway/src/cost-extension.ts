import type { ThrottleStatus } from './rate-limit';

/** What a partner learns about its budget on every answer, as Shopify and GitHub report it. */
export interface CostExtension {
  requestedQueryCost: number;
  throttleStatus: ThrottleStatus;
}

/**
 * Add `extensions.cost` to a BFF's JSON answer. Partner answers are buffered for this (they are
 * small and partner traffic is the lowest-volume surface); web and mobile keep streaming. The
 * same budget also travels in the RateLimit headers, so a client can read either. An answer
 * that is not a JSON object (a proxy's HTML error page) passes through untouched.
 */
export function withCostExtension(body: Buffer, cost: CostExtension): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
  const answer = parsed as { extensions?: Record<string, unknown> };
  answer.extensions = { ...answer.extensions, cost };
  return Buffer.from(JSON.stringify(answer));
}
