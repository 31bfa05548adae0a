import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REDIS_URL, loadOrCreateSigningKey, mintDevToken } from '@edge/common';
import { createKey, createRedisKeyStore, type NewKeyOptions } from '@edge/gateway';
import { createMockControl, type MockControl } from '@edge/services-mock';
import {
  type ManagedProcess,
  type ProcessName,
  processEntry,
  type RunningStack,
  type StackBuild,
  spawnService,
  startStack,
} from '@edge/stack';
import { Redis } from 'ioredis';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const redisUrl = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

export type { MockServiceName as MockService } from '@edge/services-mock';

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
  mock: MockControl;
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
  /** Run the processes from src/ through tsx (default) or from the build's dist/ under node. */
  build?: StackBuild;
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
    ...(options.build ? { build: options.build } : {}),
    // Ready detection reads the 'listening' info line, so tests never log below info.
    logLevel: options.verbose ? 'debug' : 'info',
    // Each stack counts rate limits under its own prefix, so test files sharing one Redis
    // (and reruns within a window) never spend each other's budgets.
    // Sagas too: otherwise another stack's worker on the same Redis could drive (and send to its
    // own services-mock) a saga this stack created.
    env: {
      RATE_LIMIT_PREFIX: `e2e:${randomUUID()}`,
      SAGA_KEY_PREFIX: `e2e:${randomUUID()}:saga:`,
      ...options.env,
    },
    ...(options.envFor ? { envFor: options.envFor } : {}),
    ...(options.verbose ? { onLine: (line: string) => console.log(line) } : {}),
  });
  const idp = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
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
        ...processEntry(root, `packages/${name}/src/main.ts`, options.build ?? 'source'),
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
    mock: createMockControl(stack.urls.mock),
  };
}
