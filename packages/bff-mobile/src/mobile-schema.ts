import { type BffSchema, loadSchema, ORDER_MUTATIONS_SCHEMA } from '@edge/bff-runtime';
import { resolvers } from './resolvers.js';

export const mobileSchema = (): BffSchema => ({
  path: '/graphql',
  typeDefs: loadSchema(new URL('./schema.graphql', import.meta.url), ORDER_MUTATIONS_SCHEMA),
  resolvers,
});
