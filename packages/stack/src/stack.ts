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
import { type ManagedProcess, STOP_GRACE_MS, spawnService } from './child-process.js';
import { restartablePort } from './restartable-ports.js';
import {
  type ProcessName,
  type ProcessSpec,
  portVariables,
  processSpec,
  STACK_PROCESSES,
  type StartedUrls,
} from './stack-processes.js';

export type { ProcessName } from './stack-processes.js';

export type StoreMode = 'redis' | 'memory';

export type StackBuild = 'source' | 'compiled';

/**
 * The export condition under which a workspace package resolves to its compiled dist/ instead of
 * its src/ (every package.json `exports`); the images start node with it.
 */
export const COMPILED_CONDITION = 'edge-compiled';

/**
 * How node starts an entry of the table (a src/ TypeScript file, relative to `root`): through tsx,
 * or as its compiled twin (src/x.ts compiles to dist/x.js) under the compiled condition.
 */
export function processEntry(root: string, entry: string, build: StackBuild) {
  if (build === 'source') return { entry: join(root, entry), nodeArgs: ['--import', 'tsx'] };
  return {
    entry: join(root, entry.replace(/\/src\/(.+)\.ts$/, '/dist/$1.js')),
    nodeArgs: [`--conditions=${COMPILED_CONDITION}`],
  };
}

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
  /**
   * `source` (default) runs each package's src/main.ts through tsx; `compiled` runs the build's
   * dist/main.js (`npm run build` first) under plain node, as the images do.
   */
  build?: StackBuild;
  /** Use the contract's fixed ports (4000...) or let every process pick a free one. */
  ports: 'default' | 'free';
  logLevel?: string;
  /** Extra environment for every process (e.g. short timeouts in tests). */
  env?: Record<string, string>;
  /** Extra environment per process name. */
  envFor?: Partial<Record<ProcessName, Record<string, string>>>;
  onLine?: (line: string) => void;
}

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
  mock: Record<ServiceName, string>;
}

export interface RunningStack {
  urls: StackUrls;
  processes: Map<ProcessName, ManagedProcess>;
  /** Environment the stack's processes share (data dir, Redis, keys), for CLI calls in tests. */
  env: Record<string, string>;
  /**
   * Stop (or after `kill`, just start) one process again with the same environment and ports;
   * throws if the stop had to kill it (a rolling restart must drain).
   */
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

const url = (proc: ManagedProcess) => `http://127.0.0.1:${String(proc.ready['port'])}`;

/** What one stack's start, restart and replicas share. */
interface StackState {
  options: StackOptions;
  /** Environment every process gets (data dir, Redis, log level, test names). */
  shared: Record<string, string>;
  free: boolean;
  processes: Map<ProcessName, ManagedProcess>;
  /** Each process's full environment as last started, for restarts and replicas. */
  envs: Map<ProcessName, Record<string, string>>;
  /** Extra replicas (addInstance), kept apart from the one-per-name map the tests address. */
  extras: ManagedProcess[];
}

/** The environment every process of the stack shares; a free-port (test) stack's own names. */
function sharedEnv(options: StackOptions, dataDir: string, testBase: string) {
  const shared: Record<string, string> = {
    DATA_DIR: dataDir,
    REDIS_URL: options.redisUrl,
    ...(options.redisClusterNodes ? { REDIS_CLUSTER_NODES: options.redisClusterNodes } : {}),
    STORE_MODE: options.storeMode,
    LOG_LEVEL: options.logLevel ?? 'info',
    ...options.env,
  };
  if (testBase) {
    shared['PRODUCT_EVENTS_STREAM'] ??= `${testBase}product-events`;
    shared['READ_MODEL_PREFIX'] ??= `${testBase}rm:`;
    // The saga's keys and its order stream too, so consumers of parallel stacks never meet.
    shared['SAGA_KEY_PREFIX'] ??= `${testBase}saga:`;
    // Client contracts and partner usage (kept without TTL) go with the stack's other keys.
    shared['CONTRACTS_PREFIX'] ??= `${testBase}contracts`;
  }
  return shared;
}

/**
 * Where `spec` listens on first start: free ports a restart can return to (one per service for
 * services-mock), its contract port, or services-mock's own.
 */
async function firstPorts(spec: ProcessSpec, free: boolean): Promise<Record<string, string>> {
  if (!free) return spec.defaultPort ? portVariables(spec, DEFAULT_PORTS[spec.defaultPort]) : {};
  if (spec.name !== 'services-mock') return portVariables(spec, await restartablePort());
  const ports: Record<string, number> = {};
  for (const service of SERVICE_NAMES) ports[service] = await restartablePort();
  return portVariables(spec, ports);
}

async function startProcess(
  state: StackState,
  spec: ProcessSpec,
  env: Record<string, string>,
): Promise<ManagedProcess> {
  const { options } = state;
  const full = { ...state.shared, ...env, ...options.envFor?.[spec.name] };
  state.envs.set(spec.name, full);
  const proc = await spawnService({
    name: spec.name,
    ...processEntry(options.root, spec.entry, options.build ?? 'source'),
    cwd: options.root,
    env: full,
    ...(spec.readyMessage ? { readyMessage: spec.readyMessage } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  state.processes.set(spec.name, proc);
  return proc;
}

/** The URLs of what has started, as the table's `env` functions read them. */
function startedUrls(processes: Map<ProcessName, ManagedProcess>): StartedUrls {
  const of = (name: ProcessName) => {
    const proc = processes.get(name);
    if (!proc) throw new Error(`${name} has not started`);
    return url(proc);
  };
  const mockPorts = processes.get('services-mock')?.ready['ports'] as Record<ServiceName, number>;
  const mock = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${mockPorts[s]}`]),
  ) as Record<ServiceName, string>;
  return { of, mock };
}

/** Start the table's processes wave by wave, each wave once the earlier ones listen. */
async function startWaves(state: StackState): Promise<void> {
  const wanted = STACK_PROCESSES.filter((p) => !p.redisOnly || state.options.storeMode === 'redis');
  const waves = [...new Set(wanted.map((p) => p.wave))].sort((a, b) => a - b);
  for (const wave of waves) {
    const started = wave === 0 ? undefined : startedUrls(state.processes);
    await Promise.all(
      wanted
        .filter((p) => p.wave === wave)
        .map(async (spec) =>
          startProcess(state, spec, {
            ...(started ? spec.env(started) : {}),
            ...(await firstPorts(spec, state.free)),
          }),
        ),
    );
  }
}

async function restartProcess(state: StackState, name: ProcessName): Promise<ManagedProcess> {
  const old = state.processes.get(name);
  // A restart is a rolling one: a process that has to be killed broke its drain's promise.
  if ((await old?.stop()) === 'killed') {
    throw new Error(`${name} did not exit within ${STOP_GRACE_MS} ms of SIGTERM and was killed`);
  }
  const spec = processSpec(name);
  const proc = await startProcess(state, spec, {
    ...state.envs.get(name),
    ...(old ? samePorts(spec, old) : {}),
  });
  // Listening is not serving: the gateway, for one, first loads its surfaces' schemas.
  if (proc.ready['port'] !== undefined) await waitReady(url(proc));
  return proc;
}

async function addInstance(
  state: StackState,
  name: ProcessName,
  env: Record<string, string>,
): Promise<ManagedProcess> {
  const base = state.envs.get(name);
  if (!base) throw new Error(`${name} is not part of this stack`);
  const spec = processSpec(name);
  const proc = await spawnService({
    name: `${name}#${state.extras.length + 2}`,
    ...processEntry(state.options.root, spec.entry, state.options.build ?? 'source'),
    cwd: state.options.root,
    env: { ...base, ...portVariables(spec, 0), ...env },
    ...(state.options.onLine ? { onLine: state.options.onLine } : {}),
  });
  state.extras.push(proc);
  return proc;
}

/**
 * Start the whole stack as real processes from the table (STACK_PROCESSES), in dependency order,
 * each wave waiting for the previous ones' ports. Used by `pnpm start` and the end-to-end tests.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const dataDir = options.dataDir ?? join(options.root, '.data');
  // Keys exist before any process starts, so BFFs and gateway agree on the edge key.
  await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
  await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
  const free = options.ports === 'free';
  // Stacks on free ports are tests, several at once on one Redis: each gets its own product
  // stream, read model and saga keys, removed again on stop.
  const testBase = free ? `stack-${randomUUID().slice(0, 8)}:` : '';
  const state: StackState = {
    options,
    shared: sharedEnv(options, dataDir, testBase),
    free,
    processes: new Map(),
    envs: new Map(),
    extras: [],
  };
  try {
    await startWaves(state);
    const started = startedUrls(state.processes);
    await waitReady(started.of('gateway'));
    const urls: StackUrls = {
      gateway: started.of('gateway'),
      bffWeb: started.of('bff-web'),
      bffMobile: started.of('bff-mobile'),
      bffPartner: started.of('bff-partner'),
      saga: started.of('saga'),
      consumers: started.of('consumers'),
      // In memory mode there is no projection (no product stream without Redis).
      projection: state.processes.has('projection') ? started.of('projection') : undefined,
      mock: started.mock,
    };
    return {
      urls,
      processes: state.processes,
      env: state.shared,
      restart: (name) => restartProcess(state, name),
      kill: async (name) => {
        await state.processes.get(name)?.kill();
      },
      addInstance: (name, env = {}) => addInstance(state, name, env),
      stop: async () => {
        for (const proc of state.extras.reverse()) await proc.stop();
        await stopAll(state.processes);
        if (testBase && options.storeMode === 'redis') await deleteKeys(options, testBase);
      },
    };
  } catch (err) {
    await stopAll(state.processes);
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
function samePorts(spec: ProcessSpec, old: ManagedProcess): Record<string, string> {
  const ports = old.ready['ports'] as Record<string, number> | undefined;
  return portVariables(spec, ports ?? Number(old.ready['port']));
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
