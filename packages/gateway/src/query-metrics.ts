import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  type InlineFragmentNode,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql/index.js';
import { DEFAULT_COST_MODEL } from './defaults.js';
import { IntrospectionCounter } from './introspection-cost.js';
import { fragmentsOf, rootFieldsOf } from './root-fields.js';

/** Root fields that answer from the schema itself, priced by the size of their answer. */
const META_ROOT_FIELDS = new Set(['__schema', '__type']);

/** What one operation asks for, counted through every fragment spread. */
export interface QueryMetrics {
  depth: number;
  aliases: number;
  directives: number;
  /** Static cost: every object the operation may return costs `objectCost` (lists by size). */
  cost: number;
  /** Distinct root fields of a mutation (ten aliased `placeOrder` are ten); 0 for queries. */
  mutations: number;
  /** True when a list size comes from a variable: the cost then depends on the request. */
  variableSized: boolean;
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

const ZERO: QueryMetrics = {
  depth: 0,
  aliases: 0,
  directives: 0,
  cost: 0,
  mutations: 0,
  variableSized: false,
};

/** A list size as a field asks for it, and whether a variable chose it. */
interface AskedSize {
  size: number | undefined;
  fromVariable: boolean;
}

/** The cost model with every default filled in. */
type ResolvedCostModel = Required<CostModel>;

function resolveCostModel(model: CostModel): ResolvedCostModel {
  return {
    objectCost: model.objectCost ?? DEFAULT_COST_MODEL.objectCost,
    scalarCost: model.scalarCost ?? DEFAULT_COST_MODEL.scalarCost,
    defaultListSize: model.defaultListSize ?? DEFAULT_COST_MODEL.defaultListSize,
    listSizeArguments: model.listSizeArguments ?? DEFAULT_COST_MODEL.listSizeArguments,
  };
}

function add(a: QueryMetrics, b: QueryMetrics): QueryMetrics {
  return {
    depth: Math.max(a.depth, b.depth),
    aliases: a.aliases + b.aliases,
    directives: a.directives + b.directives,
    cost: a.cost + b.cost,
    mutations: 0,
    variableSized: a.variableSized || b.variableSized,
  };
}

function fieldsOf(type: GraphQLCompositeType | undefined) {
  return type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields() : undefined;
}

function rootOf(schema: GraphQLSchema, op: OperationDefinitionNode) {
  return op.operation === 'query'
    ? schema.getQueryType()
    : op.operation === 'mutation'
      ? schema.getMutationType()
      : schema.getSubscriptionType();
}

/**
 * Root fields a mutation runs, by response key through fragments: graphql-js merges fields
 * with the same key, so `...M ...M` runs M's fields once, and ten aliases run ten times.
 */
function rootKeys(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Set<string> {
  return new Set(
    rootFieldsOf(set, fragments)
      .filter((field) => field.name.value !== '__typename')
      .map((field) => field.alias?.value ?? field.name.value),
  );
}

/**
 * Measures one operation. Per operation, because a fragment's cost depends on the operation's
 * variable defaults: its memo and the defaults live as long as this object.
 */
class OperationMeasure {
  private readonly fragmentMetrics = new Map<string, QueryMetrics>();
  private readonly visiting = new Set<string>();
  private readonly variableDefaults: Map<string, ValueNode>;
  private readonly introspection: IntrospectionCounter;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly model: ResolvedCostModel,
    private readonly variables: Record<string, unknown>,
    operation: OperationDefinitionNode,
    costCap: number,
  ) {
    this.variableDefaults = new Map(
      (operation.variableDefinitions ?? []).flatMap((v) =>
        v.defaultValue ? [[v.variable.name.value, v.defaultValue] as const] : [],
      ),
    );
    this.introspection = new IntrospectionCounter(schema, fragments, costCap);
  }

  /**
   * `parent` is undefined below a field the schema does not know: validation will refuse the
   * document, but its shape is still measured so a deep chain of unknown fields is cut early.
   * `pageSize` carries a connection's `first` (set on a field that is not itself a list) down
   * to the `edges`/`nodes` list below it, so `orders(first: 50) { edges { ... } }` counts 50.
   */
  selectionSet(
    set: SelectionSetNode,
    parent: GraphQLCompositeType | undefined,
    pageSize?: number,
  ): QueryMetrics {
    let total = ZERO;
    for (const selection of set.selections) {
      const directives = selection.directives?.length ?? 0;
      const inner =
        selection.kind === Kind.FIELD
          ? this.field(selection, parent, pageSize)
          : selection.kind === Kind.INLINE_FRAGMENT
            ? this.inlineFragment(selection, parent, pageSize)
            : this.fragment(selection.name.value, pageSize);
      total = add(total, { ...inner, directives: inner.directives + directives });
    }
    return total;
  }

  private field(
    selection: FieldNode,
    parent: GraphQLCompositeType | undefined,
    pageSize: number | undefined,
  ): QueryMetrics {
    const { objectCost, scalarCost, defaultListSize } = this.model;
    const alias = selection.alias ? 1 : 0;
    if (!selection.selectionSet) return { ...ZERO, depth: 1, aliases: alias, cost: scalarCost };
    if (
      parent &&
      parent === this.schema.getQueryType() &&
      META_ROOT_FIELDS.has(selection.name.value)
    ) {
      // Cost as the answer would be, in objects, which bounds it whatever its nesting: the
      // standard introspection query is 15 levels deep (`ofType` chains), past every surface's
      // depth limit, and its answer a few hundred objects. Aliases and directives as measured.
      const inner = this.selectionSet(selection.selectionSet, undefined);
      const cost = this.introspection.rootField(selection) * objectCost;
      return { ...inner, depth: 1, aliases: inner.aliases + alias, cost };
    }
    const def = fieldsOf(parent)?.[selection.name.value];
    const named = def ? getNamedType(def.type) : undefined;
    const isList = def !== undefined && isListType(getNullableType(def.type));
    const asked = this.sizeFrom(selection.arguments ?? [], def);
    const multiplier = isList ? (asked.size ?? pageSize ?? defaultListSize) : 1;
    const inner = this.selectionSet(
      selection.selectionSet,
      isCompositeType(named) ? named : undefined,
      isList ? undefined : asked.size,
    );
    return {
      ...ZERO,
      depth: inner.depth + 1,
      aliases: inner.aliases + alias,
      directives: inner.directives,
      // Every object a list may return is paid for, with everything selected inside it; a page
      // (a sized field that is not a list) at least for every object it reads, selected or not:
      // `orders(first: 100) { pageInfo { hasNextPage } }` reads 100 orders.
      cost: isList
        ? multiplier * (objectCost + inner.cost)
        : Math.max(objectCost + inner.cost, (asked.size ?? 0) * objectCost),
      variableSized: inner.variableSized || asked.fromVariable,
    };
  }

  private inlineFragment(
    selection: InlineFragmentNode,
    parent: GraphQLCompositeType | undefined,
    pageSize: number | undefined,
  ): QueryMetrics {
    const condition = selection.typeCondition
      ? this.schema.getType(selection.typeCondition.name.value)
      : parent;
    const target = condition && isCompositeType(condition) ? condition : undefined;
    const inner = this.selectionSet(selection.selectionSet, target, pageSize);
    // An inline fragment is a level of nesting: `... on Query { ... on Query { ... } }`
    // repeated would otherwise be unbounded work at zero depth.
    return { ...inner, depth: inner.depth + 1 };
  }

  /** A named fragment priced under the page size of the connection it sits in. */
  private fragment(name: string, pageSize: number | undefined): QueryMetrics {
    const memo = `${name}:${pageSize ?? ''}`;
    const known = this.fragmentMetrics.get(memo);
    if (known) return known;
    if (this.visiting.has(name)) throw new Error(`fragment cycle through ${name}`);
    const def = this.fragments.get(name);
    const type = def ? this.schema.getType(def.typeCondition.name.value) : undefined;
    if (!def || !type || !isCompositeType(type)) return ZERO;
    this.visiting.add(name);
    const inner = this.selectionSet(def.selectionSet, type, pageSize);
    this.visiting.delete(name);
    const result = { ...inner, directives: inner.directives + (def.directives?.length ?? 0) };
    this.fragmentMetrics.set(memo, result);
    return result;
  }

  /**
   * The size a field asks for: its size argument, else that argument's schema default. A size
   * left null (`first: null`, a variable sent as null, or one neither sent nor defaulted) is
   * priced at the schema default too, since that is what the BFFs apply to a null size: an
   * explicit null overrides the operation's own default at execution, so pricing it with that
   * default would let `$n: Int = 1` with `{"n": null}` buy a full page for the price of one.
   */
  private sizeFrom(
    args: readonly { name: { value: string }; value: ValueNode }[],
    def: GraphQLField<unknown, unknown> | undefined,
  ): AskedSize {
    const { listSizeArguments, defaultListSize } = this.model;
    const schemaDefault = def?.args.find((a) => listSizeArguments.includes(a.name))?.defaultValue;
    const nullSize = typeof schemaDefault === 'number' ? schemaDefault : undefined;
    for (const arg of args) {
      if (!listSizeArguments.includes(arg.name.value)) continue;
      const { size, fromVariable } = this.sizeOf(arg.value);
      return { size: Math.max(1, size ?? nullSize ?? defaultListSize), fromVariable };
    }
    return {
      size: nullSize === undefined ? undefined : Math.max(1, nullSize),
      fromVariable: false,
    };
  }

  /**
   * A size argument's value as the BFF will receive it: a literal, the request's variable (null
   * if sent as null), or, only when the request does not send it, the variable's default.
   */
  private sizeOf(value: ValueNode): AskedSize {
    if (value.kind === Kind.INT) return { size: Number(value.value), fromVariable: false };
    if (value.kind !== Kind.VARIABLE) return { size: undefined, fromVariable: false };
    const name = value.name.value;
    if (Object.hasOwn(this.variables, name)) {
      const given = this.variables[name];
      const size = typeof given === 'number' && Number.isInteger(given) ? given : undefined;
      return { size, fromVariable: true };
    }
    const fallback = this.variableDefaults.get(name);
    const size = fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
    return { size, fromVariable: true };
  }
}

/**
 * Measures each operation of a document against the schema. Fragments are expanded at every
 * spread (memoised per fragment and the page size it sits under), so a fragment spread many
 * times counts many times: the classic bypass of counting spreads once does not work. A list
 * size given as a variable is priced with the request's value (then the operation's default),
 * so the same operation costs the same however it is written. A fragment cycle throws;
 * validation rejects cycles before this runs.
 */
export function measureOperations(
  schema: GraphQLSchema,
  document: DocumentNode,
  model: CostModel = {},
  variables: Record<string, unknown> = {},
  /** Introspection is counted up to just past this cost (it is refused beyond it anyway). */
  costCap = Number.POSITIVE_INFINITY,
): Map<string | undefined, QueryMetrics> {
  const resolved = resolveCostModel(model);
  const fragments = fragmentsOf(document);
  const result = new Map<string | undefined, QueryMetrics>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const measure = new OperationMeasure(schema, fragments, resolved, variables, def, costCap);
    const root = rootOf(schema, def);
    const inner = root ? measure.selectionSet(def.selectionSet, root) : ZERO;
    const mutations = def.operation === 'mutation' ? rootKeys(def.selectionSet, fragments).size : 0;
    result.set(def.name?.value, {
      ...inner,
      directives: inner.directives + (def.directives?.length ?? 0),
      mutations,
    });
  }
  return result;
}
