export type { Concurrency } from './call-counter';
export { loadServicesMockConfig, type ServicesMockConfig } from './config';
export { createMockControl, type MockControl } from './control-client';
export { createPrng, type Prng } from './prng';
export type { AuditEntry } from './product-audit';
export {
  createRedisProductEvents,
  DEFAULT_HEARTBEAT_MS,
  NO_PRODUCT_EVENTS,
  type ProductEventSink,
  type RedisProductEventsOptions,
} from './product-event-publisher';
export { type ProductEventsRuntime, startProductEvents } from './product-events-runtime';
export * from './seed';
export {
  DEFAULT_HOST,
  type ServicesMock,
  type ServicesMockOptions,
  startServicesMock,
} from './services-mock';
export * from './types';
