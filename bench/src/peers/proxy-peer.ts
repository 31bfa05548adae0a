/**
 * The floor any gateway pays: a plain keep-alive HTTP hop (node:http in, undici pool out) that
 * adds the edge identity and streams the BFF's answer back, with no GraphQL work at all.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { announceListening, loadPeerConfig } from './peer-config';

const config = loadPeerConfig();
const routes = new Map(
  config.routes.map((route) => {
    const upstream = new URL(route.upstream);
    const pool = new Pool(upstream.origin, { connections: 128, pipelining: 1 });
    return [route.path, { pool, path: upstream.pathname, identity: route.identity }] as const;
  }),
);

const server = createServer((req, res) => {
  const route = routes.get(req.url ?? '');
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  route.pool
    .stream(
      {
        path: route.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-edge-identity': route.identity },
        body: req,
      },
      ({ statusCode, headers }) => {
        res.statusCode = statusCode;
        const type = headers['content-type'];
        if (type !== undefined) res.setHeader('content-type', type);
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
});
server.keepAliveTimeout = 65_000;
server.listen(config.port, '127.0.0.1', () => {
  announceListening((server.address() as AddressInfo).port);
});
