import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type SelectionSetNode,
} from 'graphql/index.js';

/** A document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  return fragments;
}

/** The fields an operation selects at its root, through fragments and inline fragments. */
export function rootFieldsOf(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  fields: FieldNode[] = [],
  seen = new Set<string>(),
): FieldNode[] {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      rootFieldsOf(selection.selectionSet, fragments, fields, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const def = fragments.get(selection.name.value);
      if (def) rootFieldsOf(def.selectionSet, fragments, fields, seen);
    }
  }
  return fields;
}
