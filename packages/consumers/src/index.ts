export { loadConsumersConfig } from './config.js';
export { CONSUMER_GROUPS, type ConsumerGroup } from './consumer-groups.js';
export * from './consumer-runtime.js';
export { type ConsumersService, startConsumersService } from './consumers-service.js';
export type * from './event-log.js';
export { FileEventLog } from './file-event-log.js';
export { type ConsumerAlert, DEFAULT_MONITOR_OPTIONS } from './group-monitor.js';
export { RedisEventLog } from './redis-event-log.js';
