import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { Order as OrderModel } from '@edge/upstream';
import type { PricedItem as PricedItemModel, SagaRef as SagaRefModel, BffContext } from '@edge/bff-runtime';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
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

export type PartnerOrder = {
  __typename?: 'PartnerOrder';
  /** When the order was placed. (v2: placedAt) */
  createdAt: Scalars['String']['output'];
  currency: Scalars['String']['output'];
  /**
   * The email of your own registered customer; null for anyone else, or when the user service cannot answer.
   * @deprecated Partners no longer receive customer contact data; removed in v2.
   */
  customerEmail: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  items: Array<PartnerOrderItem>;
  status: Scalars['String']['output'];
  /** Order total in integer cents; see currency. (v2: total { amountCents currency }) */
  totalCents: Scalars['Int']['output'];
  updatedAt: Scalars['String']['output'];
};

export type PartnerOrderItem = {
  __typename?: 'PartnerOrderItem';
  productId: Scalars['ID']['output'];
  quantity: Scalars['Int']['output'];
  unitPriceCents: Scalars['Int']['output'];
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

/**
 * Partner API v1. Every order is one placed through the calling partner's keys; another
 * partner's orders do not exist for you.
 */
export type Query = {
  __typename?: 'Query';
  /** One of your orders; null when it does not exist or is not yours. */
  order: Maybe<PartnerOrder>;
  /** One of the caller's order sagas; null when unknown or someone else's. */
  orderStatus: Maybe<OrderSaga>;
  /** Your orders, newest first. */
  orders: Maybe<Array<PartnerOrder>>;
};


/**
 * Partner API v1. Every order is one placed through the calling partner's keys; another
 * partner's orders do not exist for you.
 */
export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Partner API v1. Every order is one placed through the calling partner's keys; another
 * partner's orders do not exist for you.
 */
export type QueryOrderStatusArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Partner API v1. Every order is one placed through the calling partner's keys; another
 * partner's orders do not exist for you.
 */
export type QueryOrdersArgs = {
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
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OrderLineInput: OrderLineInput;
  OrderSaga: ResolverTypeWrapper<SagaRefModel>;
  OrderSagaStatus: OrderSagaStatus;
  PartnerOrder: ResolverTypeWrapper<OrderModel>;
  PartnerOrderItem: ResolverTypeWrapper<PricedItemModel>;
  PlaceOrderInput: PlaceOrderInput;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Mutation: Record<PropertyKey, never>;
  OrderLineInput: OrderLineInput;
  OrderSaga: SagaRefModel;
  PartnerOrder: OrderModel;
  PartnerOrderItem: PricedItemModel;
  PlaceOrderInput: PlaceOrderInput;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  link__Import: Scalars['link__Import']['output'];
};

export type LinkDirectiveArgs = {
  import: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = BffContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type MutationResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelOrder?: Resolver<ResolversTypes['OrderSaga'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'id' | 'idempotencyKey'>>;
  placeOrder?: Resolver<ResolversTypes['OrderSaga'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
};

export type OrderSagaResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['OrderSaga'] = ResolversParentTypes['OrderSaga']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orderId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderSagaStatus'], ParentType, ContextType>;
};

export type PartnerOrderResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['PartnerOrder'] = ResolversParentTypes['PartnerOrder']> = {
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerEmail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['PartnerOrderItem']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  totalCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type PartnerOrderItemResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['PartnerOrderItem'] = ResolversParentTypes['PartnerOrderItem']> = {
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  unitPriceCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = BffContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  order?: Resolver<Maybe<ResolversTypes['PartnerOrder']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  orderStatus?: Resolver<Maybe<ResolversTypes['OrderSaga']>, ParentType, ContextType, RequireFields<QueryOrderStatusArgs, 'id'>>;
  orders?: Resolver<Maybe<Array<ResolversTypes['PartnerOrder']>>, ParentType, ContextType, RequireFields<QueryOrdersArgs, 'first'>>;
};

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = BffContext> = {
  Mutation?: MutationResolvers<ContextType>;
  OrderSaga?: OrderSagaResolvers<ContextType>;
  PartnerOrder?: PartnerOrderResolvers<ContextType>;
  PartnerOrderItem?: PartnerOrderItemResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
};

export type DirectiveResolvers<ContextType = BffContext> = {
  link?: LinkDirectiveResolver<any, any, ContextType>;
};
