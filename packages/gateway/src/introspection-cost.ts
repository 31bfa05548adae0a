import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLDirective,
  type GraphQLEnumValue,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  type GraphQLType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql/index.js';

/** The introspection object a selection set is applied to, by its introspection type. */
type Introspected =
  | { kind: '__Schema'; value: GraphQLSchema }
  | { kind: '__Type'; value: GraphQLType }
  | { kind: '__Field'; value: GraphQLField<unknown, unknown> }
  | { kind: '__InputValue'; value: GraphQLArgument | GraphQLInputField }
  | { kind: '__EnumValue'; value: GraphQLEnumValue }
  | { kind: '__Directive'; value: GraphQLDirective };

const asType = (value: GraphQLType): Introspected => ({ kind: '__Type', value });
const asInput = (value: GraphQLArgument | GraphQLInputField): Introspected => ({
  kind: '__InputValue',
  value,
});

/** What a field of an introspection object returns, as the introspection resolvers do. */
function childrenOf(parent: Introspected, field: string, schema: GraphQLSchema): Introspected[] {
  switch (parent.kind) {
    case '__Schema': {
      const root = (type: GraphQLType | null | undefined) => (type ? [asType(type)] : []);
      if (field === 'types') return Object.values(parent.value.getTypeMap()).map(asType);
      if (field === 'queryType') return root(parent.value.getQueryType());
      if (field === 'mutationType') return root(parent.value.getMutationType());
      if (field === 'subscriptionType') return root(parent.value.getSubscriptionType());
      if (field === 'directives') {
        return parent.value.getDirectives().map((value) => ({ kind: '__Directive', value }));
      }
      return [];
    }
    case '__Type': {
      const type = parent.value;
      if (field === 'ofType')
        return isListType(type) || isNonNullType(type) ? [asType(type.ofType)] : [];
      if (field === 'fields' && (isObjectType(type) || isInterfaceType(type))) {
        return Object.values(type.getFields()).map((value) => ({ kind: '__Field', value }));
      }
      if (field === 'interfaces' && (isObjectType(type) || isInterfaceType(type))) {
        return type.getInterfaces().map(asType);
      }
      if (field === 'possibleTypes' && isAbstractType(type)) {
        return schema.getPossibleTypes(type).map(asType);
      }
      if (field === 'enumValues' && isEnumType(type)) {
        return type.getValues().map((value) => ({ kind: '__EnumValue', value }));
      }
      if (field === 'inputFields' && isInputObjectType(type)) {
        return Object.values(type.getFields()).map(asInput);
      }
      return [];
    }
    case '__Field':
      if (field === 'args') return parent.value.args.map(asInput);
      return field === 'type' ? [asType(parent.value.type)] : [];
    case '__InputValue':
      return field === 'type' ? [asType(parent.value.type)] : [];
    case '__Directive':
      return field === 'args' ? parent.value.args.map(asInput) : [];
    case '__EnumValue':
      return [];
  }
}

/**
 * The objects an introspection answer holds, counted without building it: `__schema` and
 * `__type` select from the schema itself, so their true size is known before execution, where
 * the static cost model (which knows nothing of meta fields) prices `__schema { types { ... } }`
 * as one object. Every alias, fragment and nesting is counted as the executor would answer it
 * (an upper bound: `@skip`, `@include` and `includeDeprecated: false` are ignored), memoised per
 * selection set and object, so counting a fan-out of aliases costs little while its answer
 * would cost the edge seconds of CPU and megabytes. A cyclic fragment counts nothing more;
 * validation refuses it.
 */
export class IntrospectionCounter {
  private readonly memo = new Map<SelectionSetNode, Map<unknown, number>>();
  private readonly visiting = new Set<string>();

  /**
   * `cap`: counting stops once a count passes it (the operation is refused on cost anyway), so a
   * document stuffed with selections costs the edge little to refuse.
   */
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly cap = Number.POSITIVE_INFINITY,
  ) {}

  /** Objects in the answer of the root field `__schema` or `__type`. */
  rootField(field: FieldNode): number {
    const set = field.selectionSet;
    if (!set) return 0;
    if (field.name.value === '__schema')
      return this.count(set, { kind: '__Schema', value: this.schema });
    const name = field.arguments?.find((a) => a.name.value === 'name')?.value;
    if (name?.kind === Kind.STRING) {
      const type = this.schema.getType(name.value);
      return type ? this.count(set, asType(type)) : 0;
    }
    // A name from a variable: the largest answer any type would give.
    let largest = 0;
    for (const type of Object.values(this.schema.getTypeMap())) {
      largest = Math.max(largest, this.count(set, asType(type)));
      if (largest > this.cap) break;
    }
    return largest;
  }

  private count(set: SelectionSetNode, object: Introspected): number {
    return 1 + this.fieldsOf(set, object);
  }

  /** Objects below `object` for `set`, memoised: fragments spread at many places count once. */
  private fieldsOf(set: SelectionSetNode, object: Introspected): number {
    let known = this.memo.get(set);
    if (!known) {
      known = new Map();
      this.memo.set(set, known);
    }
    const memoised = known.get(object.value);
    if (memoised !== undefined) return memoised;
    const total = this.walk(set, object);
    known.set(object.value, total);
    return total;
  }

  private walk(set: SelectionSetNode, object: Introspected): number {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const inner = selection.selectionSet;
        if (!inner) continue;
        for (const child of childrenOf(object, selection.name.value, this.schema)) {
          total += this.count(inner, child);
          if (total > this.cap) return total;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += this.fieldsOf(selection.selectionSet, object);
        if (total > this.cap) return total;
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || this.visiting.has(name)) continue;
        this.visiting.add(name);
        total += this.fieldsOf(fragment.selectionSet, object);
        this.visiting.delete(name);
        if (total > this.cap) return total;
      }
    }
    return total;
  }
}
