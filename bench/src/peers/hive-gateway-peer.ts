/**
 * A bare Hive Gateway (`@graphql-hive/gateway`, the full package: the runtime alone lacks the
 * HTTP transport) per route over the BFF's composed supergraph, configured in code. The BFF's
 * identity header is added through the gateway's own header propagation; the persisted mobile
 * operation is declared through its persisted-documents option (it has no APQ store).
 *
 * Its upstream in-flight deduplication is off: the load generator sends one identical request
 * from one identity on every connection, which deduplication would collapse into a fraction of
 * the BFF calls; real clients carry distinct identities, so it would measure the load
 * generator, not the gateway. (DESIGN.md's figures: 0.19x with it on, 0.10x off, 40-byte answer.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { composeSupergraph } from './compose-supergraph';
import { announceListening, loadPeerConfig } from './peer-config';

const config = loadPeerConfig();
const runtimes = new Map<string, ReturnType<typeof createGatewayRuntime>>();
for (const route of config.routes) {
  const documents = route.documents;
  const runtime = createGatewayRuntime({
    supergraph: await composeSupergraph(route),
    graphqlEndpoint: route.path,
    logging: false,
    transportEntries: { bff: { options: { deduplicateInflightRequests: false } } },
    propagateHeaders: {
      fromClientToSubgraphs: () => ({ 'x-edge-identity': route.identity }),
    },
    ...(Object.keys(documents).length > 0
      ? {
          persistedDocuments: {
            getPersistedOperation: (key: string) => documents[key] ?? null,
            allowArbitraryDocuments: true,
          },
        }
      : {}),
  });
  runtimes.set(route.path, runtime);
}

const http = createServer((req, res) => {
  const runtime = runtimes.get(req.url ?? '');
  if (!runtime) {
    res.writeHead(404).end();
    return;
  }
  void runtime(req, res);
});
http.keepAliveTimeout = 65_000;
http.listen(config.port, '127.0.0.1', () => {
  announceListening((http.address() as AddressInfo).port);
});
