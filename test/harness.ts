import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REDIS_URL, loadOrCreateSigningKey, mintDevToken } from '@edge/common';
import { createKey, createRedisKeyStore, type NewKeyOptions } from '@edge/gateway';
import {
  type ManagedProcess,
  type ProcessName,
  type RunningStack,
  spawnService,
  startStack,
} from '@edge/stack';
import { Redis } from 'ioredis';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

export type MockService = 'order' | 'product' | 'user' | 'inventory' | 'payment' | 'shipping';

export interface GqlAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary GraphQL answers
  body: any;
}

export interface TestStack extends RunningStack {
  dataDir: string;
  token(surface: 'web' | 'mobile', userId: string, ttlS?: number): Promise<string>;
  partnerKey(options: NewKeyOptions): Promise<string>;
  gql(
    path: string,
    query: string,
    auth: { token?: string; apiKey?: string; headers?: Record<string, string> },
    variables?: Record<string, unknown>,
  ): Promise<GqlAnswer>;
  mock: {
    calls(service: MockService): Promise<Record<string, number>>;
    resetCalls(service: MockService): Promise<void>;
    fault(service: MockService, fault: Record<string, unknown>): Promise<void>;
    clearFaults(service: MockService): Promise<void>;
  };
  /**
   * Restart one BFF on its port with extra environment (e.g. a feature flag that changes its
   * schema), leaving every other process, the gateway included, running.
   */
  restartBffWith(name: BffProcess, env: Record<string, string>): Promise<ManagedProcess>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type BffProcess = 'bff-web' | 'bff-mobile' | 'bff-partner';

export interface TestStackOptions {
  env?: Record<string, string>;
  envFor?: Partial<Record<ProcessName, Record<string, string>>>;
  /** Print every process's log lines (for debugging a test). */
  verbose?: boolean;
}

async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The whole stack as real processes on free ports against real Redis, with a private data dir.
 * Use with `await using stack = await startTestStack()` so it is torn down even when a test fails.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edge-e2e-'));
  const stack = await startStack({
    root,
    dataDir,
    storeMode: 'redis',
    redisUrl,
    ports: 'free',
    // Ready detection reads the 'listening' info line, so tests never log below info.
    logLevel: options.verbose ? 'debug' : 'info',
    // Each stack counts rate limits under its own prefix, so test files sharing one Redis
    // (and reruns within a window) never spend each other's budgets.
    env: { RATE_LIMIT_PREFIX: `e2e:${randomUUID()}`, ...options.env },
    ...(options.envFor ? { envFor: options.envFor } : {}),
    ...(options.verbose ? { onLine: (line: string) => console.log(line) } : {}),
  });
  const idp = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
  const control = async (service: MockService, path: string, init?: RequestInit) => {
    const res = await fetch(`${stack.urls.mock[service]}${path}`, init);
    if (res.status >= 400) throw new Error(`${service} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const stop = async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    ...stack,
    dataDir,
    stop,
    [Symbol.asyncDispose]: stop,
    token: (surface, userId, ttlS) =>
      mintDevToken(idp, {
        userId,
        issuer: 'https://dev-idp.local',
        audience: surface === 'web' ? 'edge-web' : 'edge-mobile',
        ...(ttlS === undefined ? {} : { ttlS }),
      }),
    partnerKey: async (keyOptions) => {
      const store = createRedisKeyStore(new Redis(redisUrl));
      try {
        return (await createKey(store, keyOptions)).key;
      } finally {
        await store.close();
      }
    },
    gql: async (path, query, auth, variables) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...auth.headers,
      };
      if (auth.token) headers['authorization'] = `Bearer ${auth.token}`;
      if (auth.apiKey) headers['x-api-key'] = auth.apiKey;
      const res = await fetch(`${stack.urls.gateway}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: await json(res) };
    },
    restartBffWith: async (name, env) => {
      const old = stack.processes.get(name);
      await old?.stop();
      const proc = await spawnService({
        name,
        entry: join(root, 'packages', name, 'src', 'main.ts'),
        cwd: root,
        env: {
          ...stack.env,
          ORDER_SERVICE_URL: stack.urls.mock.order,
          PRODUCT_SERVICE_URL: stack.urls.mock.product,
          USER_SERVICE_URL: stack.urls.mock.user,
          SAGA_URL: stack.urls.saga,
          ...options.envFor?.[name],
          ...env,
          PORT: String(old?.ready['port'] ?? 0),
        },
        ...(options.verbose ? { onLine: (line: string) => console.log(line) } : {}),
      });
      // In the stack's map, so stop() ends it like any other process.
      stack.processes.set(name, proc);
      return proc;
    },
    mock: {
      calls: async (service) =>
        (await (await control(service, '/__calls')).json()) as Record<string, number>,
      resetCalls: async (service) => {
        await control(service, '/__calls/reset', { method: 'POST' });
      },
      fault: async (service, fault) => {
        await control(service, '/__faults', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(fault),
        });
      },
      clearFaults: async (service) => {
        await control(service, '/__faults', { method: 'DELETE' });
      },
    },
  };
}
