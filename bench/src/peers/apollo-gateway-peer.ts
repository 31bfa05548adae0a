/**
 * A bare @apollo/gateway per route, fronting the same BFF via IntrospectAndCompose and served by
 * @apollo/server with its defaults (APQ on), bridged to node:http the way its integrations do.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { identityDataSource } from './compose-supergraph';
import { announceListening, loadPeerConfig } from './peer-config';

const config = loadPeerConfig();
const servers = new Map<string, ApolloServer>();
for (const route of config.routes) {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs: [{ name: 'bff', url: route.upstream }] }),
    buildService: () => identityDataSource(route),
  });
  const server = new ApolloServer({ gateway });
  await server.start();
  servers.set(route.path, server);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const http = createServer((req, res) => {
  const server = servers.get(req.url ?? '');
  if (!server) {
    res.writeHead(404).end();
    return;
  }
  const answer = async () => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(key, value);
    }
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: '', body: await readJson(req) },
      context: async () => ({}),
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  };
  answer().catch(() => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
http.keepAliveTimeout = 65_000;
http.listen(config.port, '127.0.0.1', () => {
  announceListening((http.address() as AddressInfo).port);
});
