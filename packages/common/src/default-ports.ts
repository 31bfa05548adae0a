/**
 * The one table of default ports (DESIGN.md section 1, docs/architecture.md). Every process reads
 * `PORT` (services-mock one variable per service) and falls back to its entry here; every
 * default URL of one process pointing at another is built from it with `localUrl`.
 */
export const DEFAULT_PORTS = Object.freeze({
  gateway: 4000,
  'bff-web': 4001,
  'bff-mobile': 4002,
  'bff-partner': 4003,
  order: 4010,
  product: 4011,
  user: 4012,
  inventory: 4013,
  payment: 4014,
  shipping: 4015,
  notification: 4016,
  saga: 4020,
  projection: 4030,
  consumers: 4040,
});

export type PortName = keyof typeof DEFAULT_PORTS;

/** The provider services services-mock simulates, one port each. */
export const SERVICE_NAMES = Object.freeze([
  'order',
  'product',
  'user',
  'inventory',
  'payment',
  'shipping',
  'notification',
] as const);

export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * Environment that puts every services-mock service on a port the kernel picks: for a mock
 * process beside others (tests, benches), where a contract port would collide with a stack
 * running on the same machine.
 */
export function freeMockPortsEnv(): Record<string, string> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_PORT`, '0']));
}

/** `http://127.0.0.1:<default port>`: where a process finds another on one box by default. */
export function localUrl(name: PortName): string {
  return `http://127.0.0.1:${DEFAULT_PORTS[name]}`;
}
