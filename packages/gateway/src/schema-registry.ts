import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
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
 * One @apollo/gateway per surface, composing its BFF's subgraph schema and polling it, so a
 * BFF can ship a schema change without the edge restarting. The edge uses the composed schema
 * to validate operations; requests themselves are forwarded (see forward.ts).
 */
export async function loadSurfaceSchema(
  surface: SurfaceDef,
  sign: InternalSigner,
  log: Logger,
  pollIntervalInMs: number,
): Promise<SurfaceSchema> {
  let schema: GraphQLSchema | undefined;
  let generation = 0;
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [{ name: surface.name, url: surface.upstream.toString() }],
      pollIntervalInMs,
      // The `internal` identity also tells the BFF this is a poll, which it logs at debug.
      introspectionHeaders: async () => ({
        [INTERNAL_TOKEN_HEADER]: await sign(
          { surface: 'internal', service: 'gateway' },
          surface.bff,
        ),
      }),
      logger: log,
    }),
    logger: log,
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    schema = apiSchema;
    generation++;
    if (generation > 1) log.info({ surface: surface.name, generation }, 'schema updated');
  });
  await gateway.load();
  return {
    current: () => {
      if (!schema) throw new Error(`schema for ${surface.name} not loaded`);
      return schema;
    },
    generation: () => generation,
    stop: () => gateway.stop(),
  };
}
