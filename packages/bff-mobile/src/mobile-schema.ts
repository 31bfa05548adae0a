import { type BffSchema, loadSchema } from '@edge/bff-runtime';
import { resolvers } from './resolvers';

export const mobileSchema = (): BffSchema => ({
  path: '/graphql',
  typeDefs: loadSchema(new URL('./schema.graphql', import.meta.url)),
  resolvers,
});
