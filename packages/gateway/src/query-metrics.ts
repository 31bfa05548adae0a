import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql/index.js';
import { DEFAULT_COST_MODEL } from './defaults';

/** What one operation asks for, counted through every fragment spread. */
export interface QueryMetrics {
  depth: number;
  aliases: number;
  directives: number;
  /** Static cost: every object the operation may return costs `objectCost` (lists by size). */
  cost: number;
}

export interface CostModel {
  /** Cost of a field returning an object; default 1. */
  objectCost?: number;
  /** Cost of a field returning a scalar or enum; default 0. */
  scalarCost?: number;
  /** Size assumed for a list without a literal size argument; default 10. */
  defaultListSize?: number;
  /** Arguments that bound a list's size; default first, last, limit. */
  listSizeArguments?: readonly string[];
}

const ZERO: QueryMetrics = { depth: 0, aliases: 0, directives: 0, cost: 0 };

/**
 * Measures each operation of a document against the schema. Fragments are expanded at every
 * spread (memoised per fragment, since a fragment's type condition fixes its shape), so a
 * fragment spread many times counts many times: the classic bypass of counting spreads once
 * does not work. A fragment cycle throws; validation rejects cycles before this runs.
 */
export function measureOperations(
  schema: GraphQLSchema,
  document: DocumentNode,
  model: CostModel = {},
): Map<string | undefined, QueryMetrics> {
  const objectCost = model.objectCost ?? DEFAULT_COST_MODEL.objectCost;
  const scalarCost = model.scalarCost ?? DEFAULT_COST_MODEL.scalarCost;
  const defaultListSize = model.defaultListSize ?? DEFAULT_COST_MODEL.defaultListSize;
  const sizeArgs = model.listSizeArguments ?? DEFAULT_COST_MODEL.listSizeArguments;

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const fragmentMetrics = new Map<string, QueryMetrics>();
  const visiting = new Set<string>();

  const add = (a: QueryMetrics, b: QueryMetrics): QueryMetrics => ({
    depth: Math.max(a.depth, b.depth),
    aliases: a.aliases + b.aliases,
    directives: a.directives + b.directives,
    cost: a.cost + b.cost,
  });

  /** The size a field's own arguments ask for; `defaultListSize` for a variable. */
  const sizeFrom = (args: readonly { name: { value: string }; value: ValueNode }[]) => {
    for (const arg of args) {
      if (!sizeArgs.includes(arg.name.value)) continue;
      return arg.value.kind === Kind.INT ? Math.max(1, Number(arg.value.value)) : defaultListSize;
    }
    return undefined;
  };

  const fieldsOf = (type: GraphQLCompositeType | undefined) =>
    type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : undefined;

  // `parent` is undefined below a field the schema does not know: validation will refuse the
  // document, but its shape is still measured so a deep chain of unknown fields is cut early.
  // `pageSize` carries a connection's `first` (set on a field that is not itself a list) down
  // to the `edges`/`nodes` list below it, so `orders(first: 50) { edges { ... } }` counts 50.
  const measureSet = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType | undefined,
    pageSize?: number,
  ): QueryMetrics => {
    let total = ZERO;
    for (const selection of set.selections) {
      const directives = selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        const def = fieldsOf(parent)?.[selection.name.value];
        const alias = selection.alias ? 1 : 0;
        if (!selection.selectionSet) {
          total = add(total, { depth: 1, aliases: alias, directives, cost: scalarCost });
          continue;
        }
        const named = def ? getNamedType(def.type) : undefined;
        const isList = def !== undefined && isListType(getNullableType(def.type));
        const asked = sizeFrom(selection.arguments ?? []);
        const multiplier = isList ? (asked ?? pageSize ?? defaultListSize) : 1;
        const inner = measureSet(
          selection.selectionSet,
          isCompositeType(named) ? named : undefined,
          isList ? undefined : asked,
        );
        total = add(total, {
          depth: inner.depth + 1,
          aliases: inner.aliases + alias,
          directives: inner.directives + directives,
          // Every object a list may return is paid for, with everything selected inside it.
          cost: multiplier * (objectCost + inner.cost),
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        const target = condition && isCompositeType(condition) ? condition : undefined;
        const inner = measureSet(selection.selectionSet, target, pageSize);
        total = add(total, { ...inner, directives: inner.directives + directives });
      } else {
        const inner = measureFragment(selection.name.value);
        total = add(total, { ...inner, directives: inner.directives + directives });
      }
    }
    return total;
  };

  const measureFragment = (name: string): QueryMetrics => {
    const known = fragmentMetrics.get(name);
    if (known) return known;
    if (visiting.has(name)) throw new Error(`fragment cycle through ${name}`);
    const def = fragments.get(name);
    const type = def ? schema.getType(def.typeCondition.name.value) : undefined;
    if (!def || !type || !isCompositeType(type)) return ZERO;
    visiting.add(name);
    const inner = measureSet(def.selectionSet, type);
    visiting.delete(name);
    const result = { ...inner, directives: inner.directives + (def.directives?.length ?? 0) };
    fragmentMetrics.set(name, result);
    return result;
  };

  const rootOf = (op: OperationDefinitionNode) =>
    op.operation === 'query'
      ? schema.getQueryType()
      : op.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();

  const result = new Map<string | undefined, QueryMetrics>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = rootOf(def);
    const inner = root ? measureSet(def.selectionSet, root) : ZERO;
    result.set(def.name?.value, {
      ...inner,
      directives: inner.directives + (def.directives?.length ?? 0),
    });
  }
  return result;
}
