import { type BffSchema, loadSchema, ORDER_MUTATIONS_SCHEMA } from '@edge/bff-runtime';
import { resolversV1, resolversV2 } from './resolvers.js';

/** Both API versions, one codebase: the edge routes /partner/v1 and /partner/v2 here. */
export const partnerSchemas = (): BffSchema[] => [
  {
    path: '/v1/graphql',
    contractSurface: 'partner-v1',
    typeDefs: loadSchema(new URL('./schema-v1.graphql', import.meta.url), ORDER_MUTATIONS_SCHEMA),
    resolvers: resolversV1,
  },
  {
    path: '/v2/graphql',
    contractSurface: 'partner-v2',
    typeDefs: loadSchema(new URL('./schema-v2.graphql', import.meta.url), ORDER_MUTATIONS_SCHEMA),
    resolvers: resolversV2,
  },
];
