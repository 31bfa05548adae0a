import { AppError, ErrorCode } from '@edge/common';
import { checkVariables, type VariablesLimits } from './variables-limits.js';

/** The parts of one GraphQL-over-HTTP operation the edge looks at. */
export interface GraphQLRequest {
  /** Absent when the client sends only a persisted-query hash. */
  query: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  /** `extensions.persistedQuery.sha256Hash` (automatic persisted queries). */
  persistedHash: string | undefined;
}

/** One request body: a single operation, or a JSON array batch of them. */
export interface GraphQLBody {
  batch: boolean;
  operations: GraphQLRequest[];
}

const bad = (message: string) => new AppError(ErrorCode.BAD_REQUEST, message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function persistedHashOf(extensions: unknown): string | undefined {
  if (extensions === undefined || extensions === null) return undefined;
  if (!isObject(extensions)) throw bad('"extensions" must be an object');
  const persisted = extensions['persistedQuery'];
  if (persisted === undefined) return undefined;
  if (!isObject(persisted) || typeof persisted['sha256Hash'] !== 'string') {
    throw bad('"extensions.persistedQuery.sha256Hash" must be a string');
  }
  // The protocol has one version; a client sending another expects something we do not do.
  if (persisted['version'] !== undefined && persisted['version'] !== 1) {
    throw bad('Unsupported persisted query version: only 1 is');
  }
  return persisted['sha256Hash'].toLowerCase();
}

function operationOf(body: unknown, limits: VariablesLimits): GraphQLRequest {
  if (!isObject(body)) throw bad('Body must be a JSON object');
  const { query, operationName, variables, extensions } = body;
  const persistedHash = persistedHashOf(extensions);
  if (query !== undefined && (typeof query !== 'string' || query.length === 0)) {
    throw bad('"query" must be a non-empty string');
  }
  if (query === undefined && persistedHash === undefined) {
    throw bad('Body must carry a "query" string');
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw bad('"operationName" must be a string');
  }
  if (variables !== undefined && variables !== null && !isObject(variables)) {
    throw bad('"variables" must be an object');
  }
  if (variables) checkVariables(variables, limits);
  return {
    query,
    operationName: operationName ?? undefined,
    variables: variables ?? undefined,
    persistedHash,
  };
}

export interface BodyLimits extends VariablesLimits {
  /** Operations in one JSON array batch; 1 means batches are refused. */
  maxBatch: number;
}

/**
 * Check the request body's shape without trusting it. A batch is bounded before any of its
 * operations is looked at, so a 500-operation array costs one JSON parse and a length check;
 * every operation's variables are bounded in depth and size before anything serialises them.
 */
export function parseGraphQLBody(raw: Buffer, limits: BodyLimits): GraphQLBody {
  const { maxBatch } = limits;
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw bad('Body is not valid JSON');
  }
  if (!Array.isArray(body)) return { batch: false, operations: [operationOf(body, limits)] };
  if (maxBatch <= 1) throw bad('Batched requests are not accepted on this endpoint');
  if (body.length === 0) throw bad('A batch must carry at least one operation');
  if (body.length > maxBatch) {
    throw new AppError(ErrorCode.BAD_REQUEST, `A batch may carry at most ${maxBatch} operations`, {
      details: { maxBatch, actual: body.length },
    });
  }
  return { batch: true, operations: body.map((op) => operationOf(op, limits)) };
}
