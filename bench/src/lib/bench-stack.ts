import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_REDIS_URL,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  mintDevToken,
  Redis,
  type Surface,
  signInternalToken,
  unlinkKeysMatching,
} from '@edge/common';
import { createKey, createRedisKeyStore } from '@edge/gateway';
import { type ManagedProcess, type RunningStack, type StackBuild, startStack } from '@edge/stack';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

/** Credentials for every surface: what a client sends to the edge, what the edge sends a BFF. */
export interface BenchCredentials {
  /** `authorization` header values for the gateway. */
  webBearer: string;
  mobileBearer: string;
  partnerKey: string;
  /** `x-edge-identity` values for calling a BFF directly (valid for the whole run). */
  identity: { web: string; mobile: string; partner: string };
}

export interface BenchStack {
  stack: RunningStack;
  dataDir: string;
  /** Prefix under which this run's rate-limit counters live in Redis. */
  rateLimitPrefix: string;
  credentials: BenchCredentials;
  stop(): Promise<void>;
}

/** Who the bench is: a seeded user with orders, and a seeded partner. */
const USER = 'u-1';
const PARTNER = 'partner-acme';
/** Identity tokens for direct BFF calls outlive any bench run (the soak's default included). */
const IDENTITY_TTL_S = 4 * 3600;
/** High enough never to refuse, so every request is still counted in Redis but none is lost. */
const UNLIMITED = '1000000000';
/**
 * The load generators are one user (or partner) on every connection, standing for many clients:
 * its in-flight cap is raised as its rate limit is, and still taken and released per request.
 */
const UNLIMITED_IN_FLIGHT = '100000';

/**
 * The whole stack as real processes on free ports with Redis stores, limits counted on every
 * request but never reached, and one credential per surface.
 */
export async function startBenchStack(
  options: { logLevel?: string; env?: Record<string, string>; build?: StackBuild } = {},
): Promise<BenchStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  const rateLimitPrefix = `bench:${Date.now()}`;
  const stack = await startStack({
    root: repoRoot,
    dataDir,
    storeMode: 'redis',
    redisUrl,
    ports: 'free',
    build: options.build ?? 'source',
    logLevel: options.logLevel ?? 'info',
    env: {
      RATE_LIMIT_USER: UNLIMITED,
      RATE_LIMIT_PARTNER_PRO: UNLIMITED,
      COST_BUDGET_PRO: UNLIMITED,
      RATE_LIMIT_PREFIX: rateLimitPrefix,
      IN_FLIGHT_LIMIT_USER: UNLIMITED_IN_FLIGHT,
      IN_FLIGHT_LIMIT_PARTNER_PRO: UNLIMITED_IN_FLIGHT,
      ...options.env,
    },
  });
  try {
    const credentials = await credentialsFor(dataDir);
    return {
      stack,
      dataDir,
      rateLimitPrefix,
      credentials,
      stop: async () => {
        await stack.stop();
        await deleteKeys(`${rateLimitPrefix}*`);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

async function credentialsFor(dataDir: string): Promise<BenchCredentials> {
  const idp = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
  const edgeKey = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
  const userToken = (audience: string) =>
    mintDevToken(idp, {
      userId: USER,
      issuer: 'https://dev-idp.local',
      audience,
      ttlS: IDENTITY_TTL_S,
    });
  const store = createRedisKeyStore(new Redis(redisUrl));
  let issued: Awaited<ReturnType<typeof createKey>>;
  try {
    issued = await createKey(store, { partnerId: PARTNER, versions: ['v1', 'v2'], tier: 'pro' });
  } finally {
    await store.close();
  }
  const sign = (identity: Parameters<typeof signInternalToken>[0], to: Surface) =>
    signInternalToken(identity, edgeKey, to, IDENTITY_TTL_S);
  return {
    webBearer: `Bearer ${await userToken('edge-web')}`,
    mobileBearer: `Bearer ${await userToken('edge-mobile')}`,
    partnerKey: issued.key,
    identity: {
      web: await sign({ surface: 'web', userId: USER }, 'web'),
      mobile: await sign({ surface: 'mobile', userId: USER }, 'mobile'),
      partner: await sign(
        {
          surface: 'partner',
          partnerId: PARTNER,
          keyId: issued.record.keyId,
          tier: 'pro',
          version: 'v2',
        },
        'partner',
      ),
    },
  };
}

/** Base URL of a process the bench started. */
export const processUrl = (proc: ManagedProcess | undefined) =>
  `http://127.0.0.1:${String(proc?.ready['port'] ?? 0)}`;

/** A gateway added to the stack listens before its surfaces' schemas are loaded: wait for them. */
export async function waitServing(proc: ManagedProcess): Promise<void> {
  const base = processUrl(proc);
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${base} never became ready`);
}

/** Header carrying the edge identity, re-exported so benches need not know its name. */
export const IDENTITY_HEADER = INTERNAL_TOKEN_HEADER;

async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await unlinkKeysMatching(redis, pattern);
  } finally {
    redis.disconnect();
  }
}
