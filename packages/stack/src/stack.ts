import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createRedisClient,
  DEFAULT_PORTS,
  loadOrCreateSigningKey,
  parseClusterNodes,
  redisTarget,
  SERVICE_NAMES,
  type ServiceName,
  unlinkKeysMatching,
} from '@edge/common';
import { type ManagedProcess, spawnService } from './child-process.js';

export type StoreMode = 'redis' | 'memory';

export interface StackOptions {
  /** Repository root; entries and the default data dir are resolved from it. */
  root: string;
  /** Where keys and file stores live; default `<root>/.data`. */
  dataDir?: string;
  storeMode: StoreMode;
  redisUrl: string;
  /**
   * `REDIS_CLUSTER_NODES` (comma-separated `host:port` seeds) for every process: a cluster instead
   * of the one node at `redisUrl`; unset or empty = one node.
   */
  redisClusterNodes?: string;
  /** Use the contract's fixed ports (4000...) or let every process pick a free one. */
  ports: 'default' | 'free';
  logLevel?: string;
  /** Extra environment for every process (e.g. short timeouts in tests). */
  env?: Record<string, string>;
  /** Extra environment per process name. */
  envFor?: Partial<Record<ProcessName, Record<string, string>>>;
  onLine?: (line: string) => void;
}

export type ProcessName =
  | 'services-mock'
  | 'projection'
  | 'saga'
  | 'consumers'
  | 'bff-web'
  | 'bff-mobile'
  | 'bff-partner'
  | 'gateway';

export interface StackUrls {
  gateway: string;
  bffWeb: string;
  bffMobile: string;
  bffPartner: string;
  saga: string;
  /** The order event consumers (every group in one process here): dead letters, metrics. */
  consumers: string;
  /** The catalogue projection's health and metrics; undefined in memory mode (no read model). */
  projection: string | undefined;
  mock: Record<
    'order' | 'product' | 'user' | 'inventory' | 'payment' | 'shipping' | 'notification',
    string
  >;
}

export interface RunningStack {
  urls: StackUrls;
  processes: Map<ProcessName, ManagedProcess>;
  /** Environment the stack's processes share (data dir, Redis, keys), for CLI calls in tests. */
  env: Record<string, string>;
  /** Stop (or after `kill`, just start) one process again with the same environment and ports. */
  restart(name: ProcessName): Promise<ManagedProcess>;
  /** kill -9 one process; `restart` brings it back. */
  kill(name: ProcessName): Promise<void>;
  /**
   * Start one more instance of `name` with its environment (plus `env`) on a free port, as a
   * second replica behind a load balancer would run; `stop` ends it with the rest.
   */
  addInstance(name: ProcessName, env?: Record<string, string>): Promise<ManagedProcess>;
  stop(): Promise<void>;
}

const ENTRIES: Record<ProcessName, string> = {
  'services-mock': 'packages/services-mock/src/main.ts',
  projection: 'packages/projection/src/main.ts',
  saga: 'packages/saga/src/main.ts',
  consumers: 'packages/consumers/src/main.ts',
  'bff-web': 'packages/bff-web/src/main.ts',
  'bff-mobile': 'packages/bff-mobile/src/main.ts',
  'bff-partner': 'packages/bff-partner/src/main.ts',
  gateway: 'packages/gateway/src/main.ts',
};

/** Processes that read a port variable of their own before PORT. */
const OWN_PORT_VARIABLE: Partial<Record<ProcessName, string>> = {
  saga: 'SAGA_PORT',
  projection: 'PROJECTION_PORT',
  consumers: 'CONSUMERS_PORT',
};

const url = (proc: ManagedProcess) => `http://127.0.0.1:${String(proc.ready['port'])}`;

/**
 * Start the whole stack as real processes in dependency order (services, saga, BFFs, gateway),
 * each waiting for the previous ones' ports. Used by `pnpm start` and by the end-to-end tests.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const dataDir = options.dataDir ?? join(options.root, '.data');
  // Keys exist before any process starts, so BFFs and gateway agree on the edge key.
  await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
  await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
  const shared: Record<string, string> = {
    DATA_DIR: dataDir,
    REDIS_URL: options.redisUrl,
    ...(options.redisClusterNodes ? { REDIS_CLUSTER_NODES: options.redisClusterNodes } : {}),
    STORE_MODE: options.storeMode,
    LOG_LEVEL: options.logLevel ?? 'info',
    ...options.env,
  };
  const free = options.ports === 'free';
  // Stacks on free ports are tests, several at once on one Redis: each gets its own product
  // stream and read model, removed again on stop.
  const readModelBase = free ? `stack-${randomUUID().slice(0, 8)}:` : '';
  if (free) {
    shared['PRODUCT_EVENTS_STREAM'] ??= `${readModelBase}product-events`;
    shared['READ_MODEL_PREFIX'] ??= `${readModelBase}rm:`;
    // The saga's keys and its order stream too, so consumers of parallel stacks never meet.
    shared['SAGA_KEY_PREFIX'] ??= `${readModelBase}saga:`;
  }
  const processes = new Map<ProcessName, ManagedProcess>();
  // Extra replicas (addInstance), kept apart from the one-per-name map the tests address.
  const extras: ManagedProcess[] = [];
  const envs = new Map<ProcessName, Record<string, string>>();

  const start = async (name: ProcessName, env: Record<string, string>, readyMessage?: string) => {
    const full = { ...shared, ...env, ...options.envFor?.[name] };
    envs.set(name, full);
    const proc = await spawnService({
      name,
      entry: join(options.root, ENTRIES[name]),
      cwd: options.root,
      env: full,
      ...(readyMessage ? { readyMessage } : {}),
      ...(options.onLine ? { onLine: options.onLine } : {}),
    });
    processes.set(name, proc);
    return proc;
  };
  const portEnv = (name: keyof typeof DEFAULT_PORTS) => ({
    PORT: free ? '0' : String(DEFAULT_PORTS[name]),
  });

  try {
    const mockEnv: Record<string, string> = {};
    if (free) for (const s of SERVICE_NAMES) mockEnv[`${s.toUpperCase()}_PORT`] = '0';
    const mockProc = await start('services-mock', mockEnv, 'services-mock ready');
    const mockPorts = mockProc.ready['ports'] as Record<ServiceName, number>;
    const mock = Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${mockPorts[s]}`]),
    ) as StackUrls['mock'];
    const serviceEnv = {
      ORDER_SERVICE_URL: mock.order,
      PRODUCT_SERVICE_URL: mock.product,
      USER_SERVICE_URL: mock.user,
      INVENTORY_SERVICE_URL: mock.inventory,
      PAYMENT_SERVICE_URL: mock.payment,
      SHIPPING_SERVICE_URL: mock.shipping,
    };
    // The read model needs the product stream, which only exists with Redis.
    let projection: ManagedProcess | undefined;
    if (options.storeMode === 'redis') {
      projection = await start('projection', {
        ...portEnv('projection'),
        PROJECTION_PORT: portEnv('projection').PORT,
      });
    }
    // Every group in one process; in a deployment each group runs as its own (deploy/). Started
    // before the saga, whose operator page lists and replays their dead letters.
    const consumers = await start('consumers', {
      ...serviceEnv,
      NOTIFICATION_SERVICE_URL: mock.notification,
      ...portEnv('consumers'),
      CONSUMERS_PORT: portEnv('consumers').PORT,
    });
    // In memory mode services-mock logs that the read model is off (no stream without Redis).
    const saga = await start('saga', {
      ...serviceEnv,
      ...portEnv('saga'),
      SAGA_PORT: portEnv('saga').PORT,
      CONSUMERS_URL: url(consumers),
    });
    const bffEnv = { ...serviceEnv, SAGA_URL: url(saga) };
    const [web, mobile, partner] = await Promise.all([
      start('bff-web', { ...bffEnv, ...portEnv('bff-web') }),
      start('bff-mobile', { ...bffEnv, ...portEnv('bff-mobile') }),
      start('bff-partner', { ...bffEnv, ...portEnv('bff-partner') }),
    ]);
    const gateway = await start('gateway', {
      ...portEnv('gateway'),
      BFF_WEB_URL: url(web),
      BFF_MOBILE_URL: url(mobile),
      BFF_PARTNER_URL: url(partner),
    });
    await waitReady(url(gateway));
    const urls: StackUrls = {
      gateway: url(gateway),
      bffWeb: url(web),
      bffMobile: url(mobile),
      bffPartner: url(partner),
      saga: url(saga),
      consumers: url(consumers),
      projection: projection ? url(projection) : undefined,
      mock,
    };
    return {
      urls,
      processes,
      env: shared,
      restart: async (name) => {
        const old = processes.get(name);
        await old?.stop();
        const proc = await start(name, { ...envs.get(name), ...(old ? samePorts(name, old) : {}) });
        // Listening is not serving: the gateway, for one, first loads its surfaces' schemas.
        if (proc.ready['port'] !== undefined) await waitReady(url(proc));
        return proc;
      },
      kill: async (name) => {
        await processes.get(name)?.kill();
      },
      addInstance: async (name, env = {}) => {
        const base = envs.get(name);
        if (!base) throw new Error(`${name} is not part of this stack`);
        // The saga, the projection and the consumers read their own port variable before PORT.
        const own = OWN_PORT_VARIABLE[name];
        const port: Record<string, string> = own ? { [own]: '0' } : {};
        const proc = await spawnService({
          name: `${name}#${extras.length + 2}`,
          entry: join(options.root, ENTRIES[name]),
          cwd: options.root,
          env: { ...base, PORT: '0', ...port, ...env },
          ...(options.onLine ? { onLine: options.onLine } : {}),
        });
        extras.push(proc);
        return proc;
      },
      stop: async () => {
        for (const proc of extras.reverse()) await proc.stop();
        await stopAll(processes);
        if (free && options.storeMode === 'redis') await deleteKeys(options, readModelBase);
      },
    };
  } catch (err) {
    await stopAll(processes);
    throw err;
  }
}

/** The gateway listens before its surfaces' schemas are loaded; wait until it can serve them. */
async function waitReady(base: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(`${base}/readyz`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${base} was not ready after ${timeoutMs} ms`);
}

/** Port settings that bring a restarted process back where its callers expect it. */
function samePorts(name: ProcessName, old: ManagedProcess): Record<string, string> {
  if (name === 'services-mock') {
    const ports = old.ready['ports'] as Record<string, number>;
    return Object.fromEntries(
      Object.entries(ports).map(([s, p]) => [`${s.toUpperCase()}_PORT`, String(p)]),
    );
  }
  const port = String(old.ready['port']);
  const own = OWN_PORT_VARIABLE[name];
  return own ? { PORT: port, [own]: port } : { PORT: port };
}

/** Stop in reverse start order, so nothing in front outlives what it calls. */
async function stopAll(processes: Map<ProcessName, ManagedProcess>): Promise<void> {
  for (const proc of [...processes.values()].reverse()) await proc.stop();
}

/**
 * Remove a test stack's own stream and read-model keys: everything under its base, and the
 * stream's epoch counter, whose key starts with the hash tag (`{<base>product-events}:epoch`).
 * SCAN sees one node, so on a cluster every master is asked.
 */
async function deleteKeys(options: StackOptions, base: string): Promise<void> {
  const target = redisTarget(options.redisUrl, parseClusterNodes(options.redisClusterNodes ?? ''));
  const redis = createRedisClient(target, { maxRetriesPerRequest: 1 });
  try {
    for (const pattern of [`${base}*`, `{${base}*`]) await unlinkKeysMatching(redis, pattern);
  } finally {
    redis.disconnect();
  }
}
