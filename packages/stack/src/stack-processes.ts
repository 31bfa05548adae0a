import { type DEFAULT_PORTS, SERVICE_NAMES, type ServiceName } from '@edge/common';

export type ProcessName =
  | 'services-mock'
  | 'projection'
  | 'saga'
  | 'consumers'
  | 'bff-web'
  | 'bff-mobile'
  | 'bff-partner'
  | 'gateway';

/** Where the processes started so far answer, for the environment of the ones after them. */
export interface StartedUrls {
  /** A started process's base URL. */
  of(name: ProcessName): string;
  /** services-mock's base URL per simulated service. */
  mock: Readonly<Record<ServiceName, string>>;
}

/**
 * The gateway's heap sized for its container (deploy/k8s/gateway.yaml: 512Mi) rather than for the
 * machine: V8 sizes the young generation (up to 3 x 32 MB) and the old generation's limit (here
 * 4 GB) from the host's memory, and with a 4 GB limit it lets the old space fill with garbage
 * (80-100 MB after 10-15 s of load, 22 MB live) before a full collection. Measured
 * (docs/benchmarks.md "Memory under load"): peak RSS under load 245 -> 147 MB compiled, CPU per
 * request within the noise of an A/B run. 384 MB old space is 75% of the container's limit, the
 * usual share, and above every bounded cache the gateway keeps. deploy/Dockerfile sets the same.
 */
export const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=8 --max-old-space-size=384';

export interface ProcessSpec {
  name: ProcessName;
  /** Entry file, relative to the repository root. */
  entry: string;
  /**
   * Processes of one wave start together, once every earlier wave is listening: a process is
   * started only after what it calls.
   */
  wave: number;
  /** Its default port in the contract's table; services-mock has one per service instead. */
  defaultPort?: keyof typeof DEFAULT_PORTS;
  /** A port variable of its own that it reads before `PORT`. */
  ownPortVariable?: string;
  /** The log line that says it is ready, when `listening` is not enough. */
  readyMessage?: string;
  /** Runs only with Redis (the catalogue read model consumes a Redis stream). */
  redisOnly?: boolean;
  /** Wiring to the processes of earlier waves. */
  env(started: StartedUrls): Record<string, string>;
}

/** The provider URLs every caller of the simulated services gets. */
function serviceUrls({ mock }: StartedUrls): Record<string, string> {
  return {
    ORDER_SERVICE_URL: mock.order,
    PRODUCT_SERVICE_URL: mock.product,
    USER_SERVICE_URL: mock.user,
    INVENTORY_SERVICE_URL: mock.inventory,
    PAYMENT_SERVICE_URL: mock.payment,
    SHIPPING_SERVICE_URL: mock.shipping,
  };
}

function bffEnv(started: StartedUrls): Record<string, string> {
  return { ...serviceUrls(started), SAGA_URL: started.of('saga') };
}

/**
 * The one table of the stack's processes, in start order: `pnpm start` and the end-to-end tests
 * start, restart and replicate processes from it.
 */
export const STACK_PROCESSES: readonly ProcessSpec[] = [
  {
    name: 'services-mock',
    entry: 'packages/services-mock/src/main.ts',
    wave: 0,
    readyMessage: 'services-mock ready',
    env: () => ({}),
  },
  {
    name: 'projection',
    entry: 'packages/projection/src/main.ts',
    wave: 1,
    defaultPort: 'projection',
    ownPortVariable: 'PROJECTION_PORT',
    redisOnly: true,
    env: () => ({}),
  },
  {
    // Every group in one process; in a deployment each group runs as its own (deploy/). Started
    // before the saga, whose operator page lists and replays their dead letters.
    name: 'consumers',
    entry: 'packages/consumers/src/main.ts',
    wave: 2,
    defaultPort: 'consumers',
    ownPortVariable: 'CONSUMERS_PORT',
    env: (started) => ({
      ...serviceUrls(started),
      NOTIFICATION_SERVICE_URL: started.mock.notification,
    }),
  },
  {
    name: 'saga',
    entry: 'packages/saga/src/main.ts',
    wave: 3,
    defaultPort: 'saga',
    ownPortVariable: 'SAGA_PORT',
    env: (started) => ({ ...serviceUrls(started), CONSUMERS_URL: started.of('consumers') }),
  },
  {
    name: 'bff-web',
    entry: 'packages/bff-web/src/main.ts',
    wave: 4,
    defaultPort: 'bff-web',
    env: bffEnv,
  },
  {
    name: 'bff-mobile',
    entry: 'packages/bff-mobile/src/main.ts',
    wave: 4,
    defaultPort: 'bff-mobile',
    env: bffEnv,
  },
  {
    name: 'bff-partner',
    entry: 'packages/bff-partner/src/main.ts',
    wave: 4,
    defaultPort: 'bff-partner',
    env: bffEnv,
  },
  {
    name: 'gateway',
    entry: 'packages/gateway/src/main.ts',
    wave: 5,
    defaultPort: 'gateway',
    env: (started) => ({
      NODE_OPTIONS: GATEWAY_NODE_OPTIONS,
      BFF_WEB_URL: started.of('bff-web'),
      BFF_MOBILE_URL: started.of('bff-mobile'),
      BFF_PARTNER_URL: started.of('bff-partner'),
    }),
  },
];

export function processSpec(name: ProcessName): ProcessSpec {
  const spec = STACK_PROCESSES.find((p) => p.name === name);
  if (!spec) throw new Error(`no process named ${name}`);
  return spec;
}

/**
 * The port variables that put `spec` on `port` (a number, or 0 for a free one): `PORT` and its
 * own variable; for services-mock one variable per service (`ports` per service, or `port` for
 * every one).
 */
export function portVariables(
  spec: ProcessSpec,
  port: number | Readonly<Record<string, number>>,
): Record<string, string> {
  if (spec.name === 'services-mock') {
    return Object.fromEntries(
      SERVICE_NAMES.map((s) => [
        `${s.toUpperCase()}_PORT`,
        String(typeof port === 'number' ? port : port[s]),
      ]),
    );
  }
  const value = String(port);
  return spec.ownPortVariable ? { PORT: value, [spec.ownPortVariable]: value } : { PORT: value };
}
