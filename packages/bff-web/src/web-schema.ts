import { type BffSchema, loadSchema, ORDER_MUTATIONS_SCHEMA } from '@edge/bff-runtime';
import { resolvers } from './resolvers.js';

/** The web schema; with preview fields on, schema-preview.graphql extends it. */
export function webSchema(options: { previewFields: boolean }): BffSchema {
  const files = [new URL('./schema.graphql', import.meta.url), ORDER_MUTATIONS_SCHEMA];
  if (options.previewFields) files.push(new URL('./schema-preview.graphql', import.meta.url));
  return { path: '/graphql', typeDefs: loadSchema(...files), resolvers };
}
