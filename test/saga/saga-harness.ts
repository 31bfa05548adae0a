import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_REDIS_URL,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  mintDevToken,
  Redis,
  STOP_WITH_PARENT_ENV,
  signInternalToken,
} from '@edge/common';
import { createSagaClient, type SagaClient } from '@edge/saga-client';
import { type ServicesMock, startServicesMock } from '@edge/services-mock';
import { deleteKeysWithPrefix } from '@edge/testkit';

// The saga tests import every harness piece from here; the generic ones live in testkit.
export { startWebhookReceiver, type WebhookReceiver, waitUntil } from '@edge/testkit';

import { request } from 'undici';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

/** The operator every harness client signs in as; audit records name this subject. */
export const TEST_OPERATOR = 'oncall@example.com';

export interface Orchestrator {
  url: string;
  /** Signed in as TEST_OPERATOR with the operator role; orders need `asUser` headers. */
  client: SagaClient;
  /** Headers carrying an edge-signed identity for `userId`, as a BFF forwards them. */
  asUser(userId: string): Promise<Record<string, string>>;
  /** A dev-IdP operator token for this orchestrator. */
  operatorToken(role: 'operator' | 'viewer', subject?: string): Promise<string>;
  child: ChildProcess;
  lines: string[];
  /** SIGKILL: no drain, no lease release, exactly like a crashed host. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Env for an orchestrator child against `mock` with the shipped default policies: only wiring
 * (ports, store, key prefix). Proofs of the product's promises run on this.
 */
export function defaultsEnv(
  mock: ServicesMock,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SAGA_PORT: '0',
    // Its own key files: the orchestrator creates the dev IdP and edge keys there, and the
    // harness signs operator tokens and edge identities with the same files.
    DATA_DIR: mkdtempSync(join(tmpdir(), 'saga-e2e-')),
    STORE_MODE: 'redis',
    REDIS_URL,
    SAGA_KEY_PREFIX: prefix,
    ORDER_SERVICE_URL: mock.urls.order,
    INVENTORY_SERVICE_URL: mock.urls.inventory,
    PAYMENT_SERVICE_URL: mock.urls.payment,
    SHIPPING_SERVICE_URL: mock.urls.shipping,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Env for an orchestrator child against `mock`, with short test delays and timeouts. */
export function orchestratorEnv(
  mock: ServicesMock,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return defaultsEnv(mock, prefix, {
    SAGA_POLL_INTERVAL_MS: '50',
    SAGA_LEASE_TTL_MS: '3000',
    SAGA_FORWARD_TIMEOUT_MS: '2000',
    // A compensation may verify, then undo: two calls must fit in the lease (config validation).
    SAGA_COMPENSATION_TIMEOUT_MS: '1000',
    SAGA_FORWARD_BASE_DELAY_MS: '50',
    SAGA_FORWARD_MAX_DELAY_MS: '200',
    SAGA_COMPENSATION_BASE_DELAY_MS: '100',
    SAGA_COMPENSATION_MAX_DELAY_MS: '1000',
    SAGA_BREAKER_RESET_MS: '500',
    ...extra,
  });
}

/** Spawn `tsx packages/saga/src/main.ts` as a real process and wait for its `listening` line. */
export async function spawnOrchestrator(env: Record<string, string>): Promise<Orchestrator> {
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['packages/saga/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      // Its stdin is a pipe from this process: when the test worker goes away without stopping
      // it (a hook that timed out, a killed run), it stops too, as the launcher's children do;
      // CI left orchestrators running for hours otherwise.
      [STOP_WITH_PARENT_ENV]: '1',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: tsx runs the program in a child node process, and a SIGKILL cannot be
    // relayed, so "kill -9 the orchestrator" means killing the whole group.
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const lines: string[] = [];
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Its own process group outlives this one otherwise: do not leave it running.
      signalGroup('SIGKILL');
      reject(new Error(`orchestrator did not start: ${stderr.join('')}`));
    }, 20_000);
    child.once('exit', (code) =>
      reject(new Error(`orchestrator exited ${code}: ${stderr.join('')} ${lines.join('\n')}`)),
    );
    if (!child.stdout) throw new Error('no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      try {
        const parsed = JSON.parse(line) as { msg?: string; port?: number };
        if (parsed.msg === 'listening' && typeof parsed.port === 'number') {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      } catch {
        // Not a log line of ours.
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const credentials = testCredentials(env['DATA_DIR'] ?? '.data');
  const client = createSagaClient({
    baseUrl: url,
    timeoutMs: 10_000,
    maxWaitMs: 30_000,
    headers: { authorization: `Bearer ${await credentials.operatorToken('operator')}` },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Once, whichever of kill9 and stop comes first (a test kills one, its teardown stops all).
  let closing: Promise<void> | undefined;
  const closeClient = () => {
    closing ??= client.close();
    return closing;
  };
  return {
    url,
    client,
    ...credentials,
    child,
    lines,
    async kill9() {
      signalGroup('SIGKILL');
      await exited;
      await closeClient();
    },
    async stop() {
      signalGroup('SIGTERM');
      await exited;
      await closeClient();
    },
  };
}

/** Tokens as the dev IdP and the edge sign them, from an orchestrator's DATA_DIR. */
export function testCredentials(dataDir: string) {
  return {
    async operatorToken(role: 'operator' | 'viewer', subject = TEST_OPERATOR): Promise<string> {
      const key = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
      return mintDevToken(key, {
        userId: subject,
        issuer: 'https://dev-idp.local',
        audience: 'edge-operator',
        roles: [role],
      });
    },
    async asUser(userId: string): Promise<Record<string, string>> {
      const key = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
      // Ten minutes, not the edge's 60 s: a test's client reuses these headers throughout.
      const token = await signInternalToken({ surface: 'web', userId }, key, 'web', 600);
      return { [INTERNAL_TOKEN_HEADER]: token };
    },
  };
}

export async function startMock(): Promise<ServicesMock> {
  return startServicesMock({ logLevel: 'silent' });
}

export interface Fault {
  route?: string;
  mode: 'latency' | 'error' | '429' | 'down' | 'in_progress' | 'applied_late';
  latencyMs?: number;
  status?: number;
  retryAfterS?: number;
  calls?: number;
  durationMs?: number;
}

export async function injectFault(baseUrl: string, fault: Fault): Promise<void> {
  const response = await request(`${baseUrl}/__faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  await response.body.dump();
  if (response.statusCode !== 201) throw new Error(`fault refused: ${response.statusCode}`);
}

export async function clearFaults(baseUrl: string): Promise<void> {
  const response = await request(`${baseUrl}/__faults`, { method: 'DELETE' });
  await response.body.dump();
}

/**
 * Peak requests in flight at once under one idempotency key on a mock port (1 = never two), and
 * how many are in flight now.
 */
export async function inFlightPeak(
  baseUrl: string,
): Promise<{ maxConcurrentPerKey: number; worstKey: string | null; inFlight: number }> {
  const response = await request(`${baseUrl}/__inflight`);
  return (await response.body.json()) as {
    maxConcurrentPerKey: number;
    worstKey: string | null;
    inFlight: number;
  };
}

export async function callCounts(baseUrl: string): Promise<Record<string, number>> {
  const response = await request(`${baseUrl}/__calls`);
  return (await response.body.json()) as Record<string, number>;
}

export interface LedgerOrder {
  charges: Array<{ id: string; idempotencyKey: string; amountCents: number }>;
  refunds: Array<{
    id: string;
    chargeId: string;
    idempotencyKey: string;
    amountCents: number;
    note?: string;
  }>;
}

export async function ledger(mock: ServicesMock): Promise<Record<string, LedgerOrder>> {
  const response = await request(`${mock.urls.payment}/__ledger`);
  const body = (await response.body.json()) as { orders: Record<string, LedgerOrder> };
  return body.orders;
}

/** The payment provider forgets its refund idempotency keys, as providers do after about 24 h. */
export async function expireRefundKeys(mock: ServicesMock): Promise<void> {
  const response = await request(`${mock.urls.payment}/__refunds/expire-keys`, { method: 'POST' });
  if (response.statusCode !== 204) throw new Error(`expire-keys: ${response.statusCode}`);
  await response.body.dump();
}

/** A unique key prefix and a Redis client to remove it afterwards. */
export function testPrefix(): { prefix: string; cleanup: () => Promise<void> } {
  const prefix = `test:saga:${randomUUID()}:`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(REDIS_URL);
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    },
  };
}

/**
 * Order lines that stock can satisfy: one unit of the n-th product with enough stock, so a test
 * about refunds is not muddied by out-of-stock orders.
 */
export async function stockedItems(
  mock: ServicesMock,
): Promise<(n: number) => Array<{ productId: string; quantity: number }>> {
  const ids = Array.from({ length: 400 }, (_, i) => `p-${i + 1}`);
  const stocked: string[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const response = await request(
      `${mock.urls.product}/products?ids=${ids.slice(i, i + 100).join(',')}`,
    );
    const body = (await response.body.json()) as { items: Array<{ id: string; stock: number }> };
    for (const product of body.items) if (product.stock >= 3) stocked.push(product.id);
  }
  return (n) => [{ productId: stocked[n % stocked.length] ?? 'p-1', quantity: 1 }];
}
