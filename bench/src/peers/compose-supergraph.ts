import { IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { PeerRoute } from './peer-config';

/** A data source that sends the edge identity the BFF requires on every call. */
export function identityDataSource(route: PeerRoute): RemoteGraphQLDataSource {
  return new RemoteGraphQLDataSource({
    url: route.upstream,
    willSendRequest({ request }) {
      request.http?.headers.set('x-edge-identity', route.identity);
    },
  });
}

/**
 * The supergraph SDL of one BFF, composed once the way @apollo/gateway does it (IntrospectAndCompose),
 * so the Hive peer serves exactly the schema the Apollo peer and our edge compose.
 */
export async function composeSupergraph(route: PeerRoute): Promise<string> {
  const compose = new IntrospectAndCompose({ subgraphs: [{ name: 'bff', url: route.upstream }] });
  const { supergraphSdl, cleanup } = await compose.initialize({
    update: () => {},
    healthCheck: async () => {},
    getDataSource: () => identityDataSource(route),
  });
  await cleanup();
  return supergraphSdl;
}
