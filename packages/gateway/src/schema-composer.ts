/**
 * The child process that composes surface schemas with @apollo/gateway (see schema-composition.ts
 * for why it is a process of its own): it receives one batch of subgraph SDLs, answers with each
 * surface's client-facing (API) schema as SDL or with the composition errors, and exits.
 *
 * It imports no sibling module at run time (types only), so that it stays small.
 */
import { ApolloGateway, LocalCompose } from '@apollo/gateway';
// The CommonJS entry, the copy @apollo/gateway builds its schemas with.
import { type GraphQLSchema, parse, printSchema } from 'graphql/index.js';
import type { ComposeRequest, ComposeResult } from './schema-composition.js';

async function composeOne(request: ComposeRequest): Promise<ComposeResult> {
  let apiSchema: GraphQLSchema | undefined;
  let gateway: ApolloGateway | undefined;
  try {
    const typeDefs = parse(request.sdl);
    gateway = new ApolloGateway({
      supergraphSdl: new LocalCompose({
        localServiceList: [{ name: request.surface, url: request.url, typeDefs }],
      }),
    });
    gateway.onSchemaLoadOrUpdate((update) => {
      apiSchema = update.apiSchema;
    });
    await gateway.load();
    if (!apiSchema) return { surface: request.surface, ok: false, error: 'no schema composed' };
    return { surface: request.surface, ok: true, apiSdl: printSchema(apiSchema) };
  } catch (err) {
    return { surface: request.surface, ok: false, error: (err as Error).message };
  } finally {
    await gateway?.stop().catch(() => {});
  }
}

process.once('message', async (batch: ComposeRequest[]) => {
  // One result per request, in order: the parent matches them by position.
  const results: ComposeResult[] = [];
  for (const request of batch) results.push(await composeOne(request));
  process.send?.(results, () => process.exit(0));
});
