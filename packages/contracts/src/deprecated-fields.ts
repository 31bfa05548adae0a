import {
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  getNamedType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql/index.js';

/**
 * The `@deprecated` fields and enum values each operation of a valid document selects, as
 * `Type.field` (sorted, distinct), keyed by operation name (undefined for an anonymous one).
 * Fragments are followed from the operations that spread them, so an operation is charged only
 * with what it actually runs. Computed once per document by its callers (the edge caches it
 * with the validation verdict): this walk never runs per request.
 */
export function deprecatedFieldsByOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
): Map<string | undefined, readonly string[]> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const result = new Map<string | undefined, readonly string[]>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const found = new Set<string>();
    const pending: ASTNode[] = [def];
    const seen = new Set<string>();
    for (let node = pending.pop(); node; node = pending.pop()) {
      const typeInfo = new TypeInfo(schema);
      visit(
        node,
        visitWithTypeInfo(typeInfo, {
          Field() {
            const field = typeInfo.getFieldDef();
            const parent = typeInfo.getParentType();
            if (field?.deprecationReason != null && parent) {
              found.add(`${parent.name}.${field.name}`);
            }
          },
          EnumValue() {
            const value = typeInfo.getEnumValue();
            const type = typeInfo.getInputType();
            if (value?.deprecationReason != null && type) {
              found.add(`${getNamedType(type).name}.${value.name}`);
            }
          },
          FragmentSpread(spread) {
            const name = spread.name.value;
            const fragment = fragments.get(name);
            if (fragment && !seen.has(name)) {
              seen.add(name);
              pending.push(fragment);
            }
          },
        }),
      );
    }
    result.set(def.name?.value, [...found].sort());
  }
  return result;
}
