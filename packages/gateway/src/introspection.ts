import { ErrorCode, withoutSchemaHints } from '@edge/common';
// The CommonJS entry, as validate.ts imports it: the schema was built by that copy of graphql.
import {
  type DocumentNode,
  executeSync,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql/index.js';
import { LRUCache } from 'lru-cache';
import type { BufferedAnswer } from './forward.js';
import { fragmentsOf, rootFieldsOf } from './root-fields.js';
import type { SurfaceSchema } from './schema-registry.js';

/** Root fields that describe the schema. */
const SCHEMA_FIELDS = new Set(['__schema', '__type']);

/** What an operation asks of the schema at its root. */
export type IntrospectionUse =
  /** Nothing: it runs at the BFF. */
  | 'none'
  /**
   * Only `__schema`, `__type` and `__typename`: the edge answers it from the client-facing
   * schema. Forwarded, the BFF would describe its own subgraph schema, federation internals
   * (`_service`, `link__Import`) included, which the edge refuses, so code generated from it
   * would not run.
   */
  | 'only'
  /** Schema fields beside data: refused, since the BFF would answer the schema part. */
  | 'mixed';

function introspectionUse(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): IntrospectionUse {
  if (operation.operation !== 'query') return 'none';
  const names = rootFieldsOf(operation.selectionSet, fragments).map((field) => field.name.value);
  if (!names.some((name) => SCHEMA_FIELDS.has(name))) return 'none';
  return names.every((name) => SCHEMA_FIELDS.has(name) || name === '__typename') ? 'only' : 'mixed';
}

/** How each operation of a document uses introspection, by name (undefined if anonymous). */
export function introspectionOperations(
  document: DocumentNode,
): Map<string | undefined, IntrospectionUse> {
  const fragments = fragmentsOf(document);
  const operations = new Map<string | undefined, IntrospectionUse>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    operations.set(definition.name?.value, introspectionUse(definition, fragments));
  }
  return operations;
}

export interface IntrospectionRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

/** Answers kept per surface, and their bytes: a client tool polling the schema re-reads one. */
const ANSWERS_KEPT = 32;
const ANSWER_BYTES_KEPT = 4 * 1024 * 1024;

/**
 * Introspection answers of one surface's schema (about 1.6 ms of CPU and 32 KB for a full
 * introspection of the web schema), remembered per schema generation.
 */
export function createIntrospectionAnswers(schema: () => SurfaceSchema) {
  const answers = new LRUCache<string, BufferedAnswer>({
    max: ANSWERS_KEPT,
    maxSize: ANSWER_BYTES_KEPT,
    sizeCalculation: (answer, key) => answer.body.length + key.length,
  });
  return (request: IntrospectionRequest): BufferedAnswer => {
    const current = schema();
    const key = JSON.stringify([
      current.generation(),
      request.operationName,
      request.variables,
      request.query,
    ]);
    let answer = answers.get(key);
    if (!answer) {
      answer = answerIntrospection(current.current(), request);
      answers.set(key, answer);
    }
    return answer;
  };
}

/** The answer to a validated introspection-only operation, executed against `schema`. */
function answerIntrospection(schema: GraphQLSchema, request: IntrospectionRequest): BufferedAnswer {
  const result = executeSync({
    schema,
    document: parse(request.query, { noLocation: true }),
    operationName: request.operationName,
    variableValues: request.variables,
  });
  // Nothing ran: the variables did not fit (`__type(name: $n)` sent a number). Answered as the
  // BFFs answer a variable that does not fit, with its code and without schema hints.
  const refused = result.data === undefined ? result.errors : undefined;
  const body = refused
    ? {
        errors: refused.map((e) => ({
          message: withoutSchemaHints(e.message),
          extensions: { code: ErrorCode.BAD_USER_INPUT },
        })),
      }
    : result;
  return {
    status: refused ? 400 : 200,
    contentType: 'application/json; charset=utf-8',
    body: Buffer.from(JSON.stringify(body)),
  };
}
