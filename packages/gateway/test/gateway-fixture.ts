import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFailFastRedis,
  DEFAULT_REDIS_URL,
  loadOrCreateSigningKey,
  mintDevToken,
  type SigningKey,
} from '@edge/common';
import { deleteKeysWithPrefix, waitUntil } from '@edge/testkit';
import { createKey, type NewKeyOptions } from '../src/api-keys';
import { loadGatewayConfig } from '../src/config';
import { type RunningGateway, startGateway } from '../src/gateway-server';
import { createRedisKeyStore, type KeyStore } from '../src/key-store';
import { type FakeBff, startFakeBff } from './fake-bff';

/** The Redis the tests share; each fixture uses its own key prefix so files never collide. */
export const testRedisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary GraphQL answers
  body: any;
}

export interface GatewayFixture {
  bff: FakeBff;
  gateways: RunningGateway[];
  dataDir: string;
  env: Record<string, string>;
  idp: SigningKey;
  keys: KeyStore;
  /** Start one more gateway with the same environment (another instance on the same Redis). */
  addGateway(extra?: Record<string, string>): Promise<RunningGateway>;
  token(surface: 'web' | 'mobile', userId: string): Promise<string>;
  partnerKey(options: NewKeyOptions): Promise<{ key: string; keyId: string }>;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
    gateway?: RunningGateway,
  ): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * A real gateway on port 0 in front of a fake BFF, on real Redis with a private key prefix and
 * data dir. `env` overrides the gateway's environment, exactly as in production.
 */
export async function startGatewayFixture(
  env: Record<string, string> = {},
): Promise<GatewayFixture> {
  const bff = await startFakeBff();
  const contractsPrefix = `test:contracts:${randomUUID()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-gw-'));
  const fullEnv: Record<string, string> = {
    PORT: '0',
    DATA_DIR: dataDir,
    REDIS_URL: testRedisUrl,
    STORE_MODE: 'redis',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    BFF_WEB_URL: bff.url,
    BFF_MOBILE_URL: bff.url,
    BFF_PARTNER_URL: bff.url,
    RATE_LIMIT_PREFIX: `test:${randomUUID()}`,
    // Partner usage is kept without TTL: under the fixture's own prefix, deleted at close.
    CONTRACTS_PREFIX: contractsPrefix,
    SCHEMA_POLL_MS: '60000',
    // Production serves metrics on an admin port (9464 by default): a free one in tests.
    ...(env['NODE_ENV'] === 'production' ? { ADMIN_PORT: '0' } : {}),
    ...env,
  };
  const idp = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
  // The same Redis the gateways use, one node or a cluster, as their config names it.
  const keysClient = createFailFastRedis(loadGatewayConfig(fullEnv).redis, {
    enableOfflineQueue: true,
  });
  // Outage tests kill this Redis on purpose; the store's callers see the failures.
  keysClient.on('error', () => {});
  const keys = createRedisKeyStore(keysClient);
  const gateways: RunningGateway[] = [];
  const addGateway = async (extra: Record<string, string> = {}) => {
    const gateway = await startGateway(loadGatewayConfig({ ...fullEnv, ...extra }));
    gateways.push(gateway);
    await waitReady(gateway.url);
    return gateway;
  };
  await addGateway();
  return {
    bff,
    gateways,
    dataDir,
    env: fullEnv,
    idp,
    keys,
    addGateway,
    token: (surface, userId) =>
      mintDevToken(idp, {
        userId,
        issuer: 'https://dev-idp.local',
        audience: surface === 'web' ? 'edge-web' : 'edge-mobile',
      }),
    partnerKey: async (options) => {
      const issued = await createKey(keys, options);
      return { key: issued.key, keyId: issued.record.keyId };
    },
    post: async (path, body, headers = {}, gateway = gateways[0]) => {
      if (!gateway) throw new Error('no gateway running');
      const res = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, headers: res.headers, body: parsed };
    },
    close: async () => {
      await Promise.all(gateways.map((g) => g.close()));
      await deleteKeysWithPrefix(keysClient, fullEnv['CONTRACTS_PREFIX'] ?? contractsPrefix);
      await keys.close();
      await bff.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Every surface's schema is loaded once /readyz answers 200. A schema composed for the first time
 * on this machine takes a composer process: seconds on a quiet machine, over 30 s on a starved
 * one (a CI run beside a loaded stack failed there), hence the deadline, which only bounds a
 * failure.
 */
async function waitReady(url: string): Promise<void> {
  await waitUntil(
    `gateway at ${url} to become ready`,
    async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
    150_000,
    25,
  );
}
