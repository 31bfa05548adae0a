/** One public path of a peer and the BFF endpoint behind it. */
export interface PeerRoute {
  /** Path the peer answers on, the same as the gateway's (`/web/graphql`, ...). */
  path: string;
  /** The BFF's GraphQL endpoint, e.g. `http://127.0.0.1:4001/graphql`. */
  upstream: string;
  /** The edge identity the BFF requires, sent on every upstream call. */
  identity: string;
  /** Persisted documents by SHA-256, for peers that need them declared (Hive). */
  documents: Record<string, string>;
}

export interface PeerConfig {
  port: number;
  routes: PeerRoute[];
}

/** Environment variable through which the bench hands a peer its routes (JSON `PeerRoute[]`). */
export const PEER_ROUTES_ENV = 'PEER_ROUTES';

/** The only place a peer reads its environment: port and routes, checked once, frozen. */
export function loadPeerConfig(env: NodeJS.ProcessEnv = process.env): Readonly<PeerConfig> {
  const raw = env[PEER_ROUTES_ENV];
  if (!raw) throw new Error(`${PEER_ROUTES_ENV} must name the peer's routes`);
  const routes = JSON.parse(raw) as PeerRoute[];
  if (!Array.isArray(routes) || routes.length === 0) {
    throw new Error(`${PEER_ROUTES_ENV} must be a non-empty JSON array`);
  }
  return Object.freeze({ port: Number(env['PORT'] ?? 0), routes });
}

/** The ready line the stack's process launcher waits for. */
export function announceListening(port: number): void {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port })}\n`);
}
