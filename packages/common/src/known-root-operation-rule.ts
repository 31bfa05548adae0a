import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses operations whose root type the schema does not define (`subscription { x }` against a
 * schema without subscriptions). graphql-js's specified rules let them through and fail them at
 * execution, where the error has no code and becomes INTERNAL_SERVER_ERROR; found by the fuzzer.
 */
export const KnownRootOperationRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(
      new GraphQLError(`This schema does not define ${node.operation} operations`, {
        nodes: node,
      }),
    );
  },
});
