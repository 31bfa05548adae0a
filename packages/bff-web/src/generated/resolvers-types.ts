import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Order as OrderModel, Product as ProductModel } from '@edge/upstream';
import type { PricedItem as PricedItemModel, SagaRef as SagaRefModel, BffContext } from '@edge/bff-runtime';
import type { UserRef as UserRefModel } from '../models';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  link__Import: { input: unknown; output: unknown; }
};

/** Integer cents plus an ISO 4217 currency code: money is never a float. */
export type Money = {
  __typename?: 'Money';
  amountCents: Scalars['Int']['output'];
  currency: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels one of the caller's orders: completed steps are compensated (refund included). */
  cancelOrder: OrderSaga;
  /** Starts the order saga; waits a bounded time for its outcome, then answers its current status. */
  placeOrder: OrderSaga;
};


export type MutationCancelOrderArgs = {
  id: Scalars['ID']['input'];
  idempotencyKey: Scalars['String']['input'];
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};

export type Order = {
  __typename?: 'Order';
  createdAt: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  items: Array<OrderItem>;
  status: Scalars['String']['output'];
  total: Money;
  updatedAt: Scalars['String']['output'];
  /** Who placed it; null when the user service cannot answer. */
  user: Maybe<User>;
};

export type OrderConnection = {
  __typename?: 'OrderConnection';
  edges: Array<OrderEdge>;
  pageInfo: PageInfo;
};

export type OrderEdge = {
  __typename?: 'OrderEdge';
  cursor: Scalars['String']['output'];
  node: Order;
};

export type OrderItem = {
  __typename?: 'OrderItem';
  /** Null when the product no longer exists or the product service cannot answer. */
  product: Maybe<Product>;
  quantity: Scalars['Int']['output'];
  /** Price per unit when the order was placed. */
  unitPrice: Money;
};

export type OrderLineInput = {
  productId: Scalars['ID']['input'];
  /** 1 to 1000. */
  quantity: Scalars['Int']['input'];
};

export type OrderSaga = {
  __typename?: 'OrderSaga';
  /** The saga's id: pass it to orderStatus. */
  id: Scalars['ID']['output'];
  /** The order's id, once the order exists. */
  orderId: Maybe<Scalars['ID']['output']>;
  status: OrderSagaStatus;
};

/**
 * Where an order's saga stands. COMPLETED and COMPENSATED are final for clients; DEAD_LETTERED
 * means operators have been alerted and will finish it; poll orderStatus until it changes.
 */
export type OrderSagaStatus =
  | 'COMPENSATED'
  | 'COMPENSATING'
  | 'COMPLETED'
  | 'DEAD_LETTERED'
  | 'PENDING'
  | 'RESOLVED'
  | 'RUNNING';

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type PlaceOrderInput = {
  /** Partner surface only: the customer the order is placed for. */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /**
   * Chosen by the client, unique per order attempt: retrying with the same key returns the same
   * saga instead of placing a second order.
   */
  idempotencyKey: Scalars['String']['input'];
  /** 1 to 50 lines. */
  items: Array<OrderLineInput>;
};

export type Product = {
  __typename?: 'Product';
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** Whether at least one unit is in stock. */
  inStock: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  price: Money;
  stock: Scalars['Int']['output'];
};

/**
 * Fields served by another service are nullable: when that service is down and no last good
 * value is cached, the field is null with an UPSTREAM_UNAVAILABLE error naming the service, and
 * the rest of the answer still comes back. Stale parts are listed in `extensions.stale`.
 */
export type Query = {
  __typename?: 'Query';
  /** The signed-in user. */
  me: User;
  /** One of the signed-in user's orders; null when it does not exist or is someone else's. */
  order: Maybe<Order>;
  /** One of the caller's order sagas; null when unknown or someone else's. */
  orderStatus: Maybe<OrderSaga>;
  /** A product page; null when the product does not exist. */
  product: Maybe<Product>;
  /** The catalogue from its start, for browsing. */
  products: Maybe<Array<Product>>;
  /** Products whose name or description contains the text, case-insensitive. */
  searchProducts: Maybe<Array<Product>>;
};


/**
 * Fields served by another service are nullable: when that service is down and no last good
 * value is cached, the field is null with an UPSTREAM_UNAVAILABLE error naming the service, and
 * the rest of the answer still comes back. Stale parts are listed in `extensions.stale`.
 */
export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Fields served by another service are nullable: when that service is down and no last good
 * value is cached, the field is null with an UPSTREAM_UNAVAILABLE error naming the service, and
 * the rest of the answer still comes back. Stale parts are listed in `extensions.stale`.
 */
export type QueryOrderStatusArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Fields served by another service are nullable: when that service is down and no last good
 * value is cached, the field is null with an UPSTREAM_UNAVAILABLE error naming the service, and
 * the rest of the answer still comes back. Stale parts are listed in `extensions.stale`.
 */
export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Fields served by another service are nullable: when that service is down and no last good
 * value is cached, the field is null with an UPSTREAM_UNAVAILABLE error naming the service, and
 * the rest of the answer still comes back. Stale parts are listed in `extensions.stale`.
 */
export type QueryProductsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Fields served by another service are nullable: when that service is down and no last good
 * value is cached, the field is null with an UPSTREAM_UNAVAILABLE error naming the service, and
 * the rest of the answer still comes back. Stale parts are listed in `extensions.stale`.
 */
export type QuerySearchProductsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  query: Scalars['String']['input'];
};

export type User = {
  __typename?: 'User';
  email: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** Null with UPSTREAM_UNAVAILABLE when the user service cannot answer. */
  name: Maybe<Scalars['String']['output']>;
  /** Newest first. Null with UPSTREAM_UNAVAILABLE when the order service cannot answer. */
  orders: Maybe<OrderConnection>;
};


export type UserOrdersArgs = {
  after: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Money: ResolverTypeWrapper<Money>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Order: ResolverTypeWrapper<OrderModel>;
  OrderConnection: ResolverTypeWrapper<Omit<OrderConnection, 'edges'> & { edges: Array<ResolversTypes['OrderEdge']> }>;
  OrderEdge: ResolverTypeWrapper<Omit<OrderEdge, 'node'> & { node: ResolversTypes['Order'] }>;
  OrderItem: ResolverTypeWrapper<PricedItemModel>;
  OrderLineInput: OrderLineInput;
  OrderSaga: ResolverTypeWrapper<SagaRefModel>;
  OrderSagaStatus: OrderSagaStatus;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PlaceOrderInput: PlaceOrderInput;
  Product: ResolverTypeWrapper<ProductModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  User: ResolverTypeWrapper<UserRefModel>;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Money: Money;
  Mutation: Record<PropertyKey, never>;
  Order: OrderModel;
  OrderConnection: Omit<OrderConnection, 'edges'> & { edges: Array<ResolversParentTypes['OrderEdge']> };
  OrderEdge: Omit<OrderEdge, 'node'> & { node: ResolversParentTypes['Order'] };
  OrderItem: PricedItemModel;
  OrderLineInput: OrderLineInput;
  OrderSaga: SagaRefModel;
  PageInfo: PageInfo;
  PlaceOrderInput: PlaceOrderInput;
  Product: ProductModel;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  User: UserRefModel;
  link__Import: Scalars['link__Import']['output'];
};

export type LinkDirectiveArgs = {
  import: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = BffContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type MoneyResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = {
  amountCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelOrder?: Resolver<ResolversTypes['OrderSaga'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'id' | 'idempotencyKey'>>;
  placeOrder?: Resolver<ResolversTypes['OrderSaga'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
};

export type OrderResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order']> = {
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['OrderItem']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
};

export type OrderConnectionResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = {
  edges?: Resolver<Array<ResolversTypes['OrderEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type OrderEdgeResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderEdge'] = ResolversParentTypes['OrderEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
};

export type OrderItemResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderItem'] = ResolversParentTypes['OrderItem']> = {
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  unitPrice?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
};

export type OrderSagaResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderSaga'] = ResolversParentTypes['OrderSaga']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orderId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderSagaStatus'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type ProductResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inStock?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  stock?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  me?: Resolver<ResolversTypes['User'], ParentType, ContextType>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  orderStatus?: Resolver<Maybe<ResolversTypes['OrderSaga']>, ParentType, ContextType, RequireFields<QueryOrderStatusArgs, 'id'>>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType, RequireFields<QueryProductArgs, 'id'>>;
  products?: Resolver<Maybe<Array<ResolversTypes['Product']>>, ParentType, ContextType, RequireFields<QueryProductsArgs, 'first'>>;
  searchProducts?: Resolver<Maybe<Array<ResolversTypes['Product']>>, ParentType, ContextType, RequireFields<QuerySearchProductsArgs, 'first' | 'query'>>;
};

export type UserResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  orders?: Resolver<Maybe<ResolversTypes['OrderConnection']>, ParentType, ContextType, RequireFields<UserOrdersArgs, 'first'>>;
};

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = BffContext> = {
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderEdge?: OrderEdgeResolvers<ContextType>;
  OrderItem?: OrderItemResolvers<ContextType>;
  OrderSaga?: OrderSagaResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
};

export type DirectiveResolvers<ContextType = BffContext> = {
  link?: LinkDirectiveResolver<any, any, ContextType>;
};
