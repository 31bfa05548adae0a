export type { Concurrency } from './call-counter.js';
export { loadServicesMockConfig, type ServicesMockConfig } from './config.js';
export { createMockControl, type MockControl } from './control-client.js';
export { createPrng, type Prng } from './prng.js';
export type { AuditEntry } from './product-audit.js';
export {
  createRedisProductEvents,
  DEFAULT_HEARTBEAT_MS,
  NO_PRODUCT_EVENTS,
  type ProductEventSink,
  type RedisProductEventsOptions,
} from './product-event-publisher.js';
export { type ProductEventsRuntime, startProductEvents } from './product-events-runtime.js';
export * from './seed.js';
export {
  DEFAULT_HOST,
  type ServicesMock,
  type ServicesMockOptions,
  startServicesMock,
} from './services-mock.js';
export * from './types.js';
