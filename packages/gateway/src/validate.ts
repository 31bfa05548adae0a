import { AppError, ErrorCode } from '@edge/common';
import { type GraphQLError, type GraphQLSchema, parse, specifiedRules, validate } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { SurfaceSchema } from './schema-registry';

/** Distinct documents whose verdict is remembered per surface. */
export const VALIDATION_CACHE_SIZE = 2000;

type Verdict = { ok: true } | { ok: false; error: AppError };

function judge(schema: GraphQLSchema, query: string): Verdict {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query, { maxTokens: 5000 });
  } catch (err) {
    return {
      ok: false,
      error: new AppError(ErrorCode.GRAPHQL_PARSE_FAILED, (err as GraphQLError).message),
    };
  }
  const errors = validate(schema, document, specifiedRules, { maxErrors: 10 });
  if (errors.length === 0) return { ok: true };
  return {
    ok: false,
    error: new AppError(
      ErrorCode.GRAPHQL_VALIDATION_FAILED,
      errors.map((e) => e.message).join('; '),
    ),
  };
}

/**
 * Validate each distinct document once per schema generation. Rejections are cached too, so a
 * client repeating an invalid query costs a map lookup, and a schema change drops every verdict.
 */
export function createValidator(schema: SurfaceSchema) {
  const cache = new LRUCache<string, Verdict>({ max: VALIDATION_CACHE_SIZE });
  let generation = schema.generation();
  return (query: string): void => {
    if (schema.generation() !== generation) {
      cache.clear();
      generation = schema.generation();
    }
    let verdict = cache.get(query);
    if (!verdict) {
      verdict = judge(schema.current(), query);
      cache.set(query, verdict);
    }
    if (!verdict.ok) throw verdict.error;
  };
}
