import { Supergraph } from '@apollo/federation-internals';
import { IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, type Logger } from '@edge/common';
import type { GraphQLSchema } from 'graphql';
import type { InternalSigner } from './internal-signer.js';
import type { SurfaceDef } from './surfaces.js';

export interface SurfaceSchema {
  /** The client-facing (API) schema composed from the surface's BFF; replaced on change. */
  current(): GraphQLSchema;
  /** Bumped on every schema change; caches keyed by it never serve a stale verdict. */
  generation(): number;
  stop(): Promise<void>;
}

/**
 * The client-facing schema of a supergraph, as ApolloGateway derives it (`Supergraph.build`,
 * then `apiSchema()`), without its query planner and executable supergraph: the edge forwards
 * requests, it only validates against this schema. Composition already validated the
 * supergraph, so it is not validated again.
 */
function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl, { validateSupergraph: false })
    .apiSchema()
    .toGraphQLJSSchema();
}

/**
 * @apollo/gateway's IntrospectAndCompose per surface, used on its own: it fetches the BFF's
 * subgraph SDL (signed as the gateway), composes it and polls for changes, so a BFF can ship a
 * schema change without the edge restarting. A whole ApolloGateway per surface would also hold
 * a query planner and an executable supergraph schema the edge never uses (see
 * docs/benchmarks.md, "Memory").
 */
export async function loadSurfaceSchema(
  surface: SurfaceDef,
  sign: InternalSigner,
  log: Logger,
  pollIntervalInMs: number,
): Promise<SurfaceSchema> {
  let schema: GraphQLSchema | undefined;
  let generation = 0;
  const accept = (supergraphSdl: string) => {
    // A supergraph that does not build throws here: IntrospectAndCompose logs it and the
    // previous schema stays in use.
    schema = apiSchemaOf(supergraphSdl);
    generation++;
    if (generation > 1) log.info({ surface: surface.name, generation }, 'schema updated');
  };
  const composer = new IntrospectAndCompose({
    subgraphs: [{ name: surface.name, url: surface.upstream.toString() }],
    pollIntervalInMs,
    introspectionHeaders: async () => ({
      [INTERNAL_TOKEN_HEADER]: await sign({ surface: 'internal', service: 'gateway' }, surface.bff),
    }),
    logger: log,
  });
  const { supergraphSdl, cleanup } = await composer.initialize({
    update: accept,
    // Only called when subgraphHealthCheck is set, which it is not.
    healthCheck: async () => {},
    getDataSource: ({ url }) => new RemoteGraphQLDataSource({ url }),
  });
  try {
    accept(supergraphSdl);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    current: () => {
      if (!schema) throw new Error(`schema for ${surface.name} not loaded`);
      return schema;
    },
    generation: () => generation,
    stop: cleanup,
  };
}
