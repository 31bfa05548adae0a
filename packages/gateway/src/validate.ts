import { AppError, ErrorCode, KnownRootOperationRule, withoutSchemaHints } from '@edge/common';
import { deprecatedFieldsByOperation } from '@edge/contracts';
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  visit,
} from 'graphql/index.js';
import { LRUCache } from 'lru-cache';
import type { AbuseLimits } from './defaults.js';
import { introspectionOperations } from './introspection.js';
import { measureOperations, type QueryMetrics } from './query-metrics.js';
import type { SurfaceSchema } from './schema-registry.js';

// graphql is imported by its CommonJS entry on purpose: schema-registry.ts builds the schemas with
// that one, and graphql-js refuses a schema built by another copy of itself (vitest would pick
// index.mjs).

/** Distinct documents whose verdict is remembered per surface. */
export const VALIDATION_CACHE_SIZE = 2000;
/**
 * And the bytes their verdicts may hold per surface: what a client controls (the document text,
 * the parsed document) is counted, so 2,000 padded or field-stuffed documents cannot hold
 * gigabytes (a 3 KB document of 990 fields parses into about 200 KB).
 */
export const VALIDATION_CACHE_BYTES = 16 * 1024 * 1024;
/** Heap bytes per node of a document parsed without locations (measured: about 106). */
const BYTES_PER_NODE = 128;
/** Heap bytes of one operation's facts in a verdict (a document may hold many operations). */
const BYTES_PER_OPERATION = 256;
/** What a verdict holds besides its document and facts: the entry, the error. */
const VERDICT_OVERHEAD_BYTES = 512;

export interface ValidatorOptions {
  limits: AbuseLimits;
  /** Refuse introspection: the schema is not the client's business. */
  refuseIntrospection: boolean;
  /** Drop "Did you mean" hints from validation messages (production, every surface). */
  hideHints: boolean;
}

/** What the edge knows about one valid operation, cached with its document's verdict. */
export interface OperationFacts extends QueryMetrics {
  /** `@deprecated` fields and enum values it selects (`Type.field`), for Deprecation signals. */
  deprecations: readonly string[];
  /** It selects only introspection: the edge answers it from the client-facing schema. */
  introspection: boolean;
}

type Verdict =
  | {
      ok: true;
      /** Kept only when an operation is priced again per request (its sizes are variables). */
      document: DocumentNode | undefined;
      metrics: Map<string | undefined, OperationFacts>;
    }
  | { ok: false; error: AppError };

const tooComplexError = (what: string, actual: number, limit: number) =>
  new AppError(ErrorCode.QUERY_TOO_COMPLEX, `Operation ${what} ${actual} exceeds ${limit}`, {
    details: { limit: what, max: limit, actual },
  });

function tooComplex(what: string, actual: number, limit: number): Verdict {
  return { ok: false, error: tooComplexError(what, actual, limit) };
}

function judge(schema: GraphQLSchema, query: string, options: ValidatorOptions): Verdict {
  const { limits } = options;
  let document: DocumentNode;
  try {
    // maxTokens stops the lexer early: a huge or token-stuffed document costs little to refuse.
    // No locations: the edge's errors carry none, and they would keep every token alive.
    document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (err) {
    // The parser recurses per nesting level: a deep enough list or selection runs out of stack
    // before maxTokens is reached, and the engine's message is not the client's business.
    if (err instanceof RangeError) {
      return {
        ok: false,
        error: new AppError(ErrorCode.GRAPHQL_PARSE_FAILED, 'Document is nested too deeply'),
      };
    }
    const message = (err as GraphQLError).message;
    if (message.includes('Parsing aborted')) {
      return tooComplex('tokens', limits.maxTokens + 1, limits.maxTokens);
    }
    return { ok: false, error: new AppError(ErrorCode.GRAPHQL_PARSE_FAILED, message) };
  }
  // Limits run before validation: validating 1,000 aliased copies of one field is itself
  // quadratic (overlapping-fields check), so that work is only spent on bounded documents.
  let metrics: Map<string | undefined, QueryMetrics>;
  try {
    metrics = measureOperations(schema, document, {}, {}, limits.maxCost);
  } catch (err) {
    return {
      ok: false,
      error: new AppError(ErrorCode.GRAPHQL_VALIDATION_FAILED, (err as Error).message),
    };
  }
  for (const m of metrics.values()) {
    if (m.depth > limits.maxDepth) return tooComplex('depth', m.depth, limits.maxDepth);
    if (m.aliases > limits.maxAliases) return tooComplex('aliases', m.aliases, limits.maxAliases);
    if (m.directives > limits.maxDirectives) {
      return tooComplex('directives', m.directives, limits.maxDirectives);
    }
    if (m.cost > limits.maxCost) return tooComplex('cost', m.cost, limits.maxCost);
  }
  const rules = options.refuseIntrospection
    ? [...specifiedRules, KnownRootOperationRule, NoSchemaIntrospectionCustomRule]
    : [...specifiedRules, KnownRootOperationRule];
  const errors = validate(schema, document, rules, { maxErrors: 10 });
  if (errors.length === 0) {
    const deprecations = deprecatedFieldsByOperation(schema, document);
    const introspection = introspectionOperations(document);
    if ([...introspection.values()].includes('mixed')) {
      return {
        ok: false,
        error: new AppError(
          ErrorCode.GRAPHQL_VALIDATION_FAILED,
          'Introspection (__schema, __type) must be an operation of its own, without data fields',
        ),
      };
    }
    const facts = new Map(
      [...metrics].map(([name, m]) => [
        name,
        {
          ...m,
          deprecations: deprecations.get(name) ?? [],
          introspection: introspection.get(name) === 'only',
        },
      ]),
    );
    const repriced = [...metrics.values()].some((m) => m.variableSized);
    return { ok: true, document: repriced ? document : undefined, metrics: facts };
  }
  const messages = errors.map((e) =>
    options.hideHints ? withoutSchemaHints(e.message) : e.message,
  );
  return {
    ok: false,
    error: new AppError(ErrorCode.GRAPHQL_VALIDATION_FAILED, messages.join('; ')),
  };
}

/**
 * Metrics of the operation a request runs: the named one, or the document's only one. A name
 * that matches no operation, or several operations without a name, is refused here: the BFF
 * would answer Apollo's OPERATION_RESOLUTION_FAILURE, which is not one of the edge's codes.
 */
function selected<M extends QueryMetrics>(
  metrics: Map<string | undefined, M>,
  name: string | undefined,
): M {
  const named = metrics.get(name);
  if (named) return named;
  if (name !== undefined) {
    throw new AppError(ErrorCode.BAD_REQUEST, `Unknown operation named "${name.slice(0, 100)}"`);
  }
  const [only, ...others] = metrics.values();
  if (!only || others.length > 0) {
    throw new AppError(
      ErrorCode.BAD_REQUEST,
      'The document has several operations: "operationName" must name one',
    );
  }
  return only;
}

function nodesOf(document: DocumentNode): number {
  let nodes = 0;
  visit(document, {
    enter() {
      nodes++;
    },
  });
  return nodes;
}

/** What a cached verdict costs the heap, roughly: its key, its document, its facts, the rest. */
function verdictBytes(verdict: Verdict, query: string): number {
  if (!verdict.ok) return query.length + VERDICT_OVERHEAD_BYTES;
  const document = verdict.document ? nodesOf(verdict.document) * BYTES_PER_NODE : 0;
  const facts = verdict.metrics.size * BYTES_PER_OPERATION;
  return query.length + document + facts + VERDICT_OVERHEAD_BYTES;
}

/**
 * Validate each distinct document once per schema generation. Rejections are cached too, so a
 * client repeating an invalid query costs a map lookup, and a schema change drops every verdict.
 * An operation whose list sizes come from variables is priced again with this request's values
 * (one walk, no parse), so `first: $n` costs what `first: <n>` costs.
 */
export function createValidator(schema: SurfaceSchema, options: ValidatorOptions) {
  const cache = new LRUCache<string, Verdict>({
    max: VALIDATION_CACHE_SIZE,
    maxSize: VALIDATION_CACHE_BYTES,
    sizeCalculation: verdictBytes,
  });
  let generation = schema.generation();
  return (
    query: string,
    operationName?: string,
    variables?: Record<string, unknown>,
  ): OperationFacts => {
    if (schema.generation() !== generation) {
      cache.clear();
      generation = schema.generation();
    }
    let verdict = cache.get(query);
    if (!verdict) {
      verdict = judge(schema.current(), query, options);
      cache.set(query, verdict);
    }
    if (!verdict.ok) throw verdict.error;
    const metrics = selected(verdict.metrics, operationName);
    if (!metrics.variableSized || !variables || !verdict.document) return metrics;
    const priced = selected(
      measureOperations(schema.current(), verdict.document, {}, variables, options.limits.maxCost),
      operationName,
    );
    const { maxCost } = options.limits;
    if (priced.cost > maxCost) throw tooComplexError('cost', priced.cost, maxCost);
    return { ...priced, deprecations: metrics.deprecations, introspection: metrics.introspection };
  };
}

export type Validator = ReturnType<typeof createValidator>;
