// The CommonJS entry, as validate.ts imports it: the schema was built by that copy of graphql.
import {
  type DocumentNode,
  executeSync,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
} from 'graphql/index.js';
import type { BufferedAnswer } from './forward.js';

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

/** The answer to a validated introspection-only operation, executed against `schema`. */
export function answerIntrospection(
  schema: GraphQLSchema,
  request: {
    query: string;
    operationName: string | undefined;
    variables: Record<string, unknown> | undefined;
  },
): BufferedAnswer {
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
