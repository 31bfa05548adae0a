// The CommonJS entry, as validate.ts imports it: the schema was built by that copy of graphql.
import {
  type DocumentNode,
  executeSync,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql/index.js';
import { LRUCache } from 'lru-cache';
import type { BufferedAnswer } from './forward.js';
import type { SurfaceSchema } from './schema-registry.js';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * Whether an operation selects nothing but introspection at its root. Such an operation is
 * answered by the edge from the client-facing schema: forwarded, the BFF would describe its own
 * subgraph schema, federation internals (`_service`, `link__Import`) included, which the edge
 * refuses, so code generated from it would not run. A root fragment, or any other field, sends
 * the operation on as usual.
 */
export function selectsOnlyIntrospection(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'query' &&
    operation.selectionSet.selections.every(
      (selection) =>
        selection.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(selection.name.value),
    )
  );
}

/** Introspection-only operations of a document, by name (undefined for an anonymous one). */
export function introspectionOperations(document: DocumentNode): Map<string | undefined, boolean> {
  const operations = new Map<string | undefined, boolean>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    operations.set(definition.name?.value, selectsOnlyIntrospection(definition));
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
  return {
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: Buffer.from(JSON.stringify(result)),
  };
}
