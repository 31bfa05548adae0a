export { loadConsumersConfig } from './config';
export { CONSUMER_GROUPS, type ConsumerGroup } from './consumer-groups';
export * from './consumer-runtime';
export { type ConsumersService, startConsumersService } from './consumers-service';
export type * from './event-log';
export { FileEventLog } from './file-event-log';
export { type ConsumerAlert, DEFAULT_MONITOR_OPTIONS } from './group-monitor';
export { RedisEventLog } from './redis-event-log';
