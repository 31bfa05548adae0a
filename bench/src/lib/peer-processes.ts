import { join } from 'node:path';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { PEER_ROUTES_ENV, type PeerRoute } from '../peers/peer-config';
import { repoRoot } from './bench-stack';

export type PeerName = 'apollo-gateway' | 'hive-gateway' | 'proxy';

const ENTRIES: Record<PeerName, string> = {
  'apollo-gateway': 'bench/src/peers/apollo-gateway-peer.ts',
  'hive-gateway': 'bench/src/peers/hive-gateway-peer.ts',
  proxy: 'bench/src/peers/proxy-peer.ts',
};

/** Start one peer as its own process (so its CPU and memory are its own) on a free port. */
export function startPeer(name: PeerName, routes: PeerRoute[]): Promise<ManagedProcess> {
  return spawnService({
    name,
    entry: join(repoRoot, ENTRIES[name]),
    cwd: repoRoot,
    env: { PORT: '0', NODE_ENV: 'production', [PEER_ROUTES_ENV]: JSON.stringify(routes) },
    startTimeoutMs: 60_000,
  });
}

export const peerUrl = (proc: ManagedProcess) => `http://127.0.0.1:${String(proc.ready['port'])}`;
