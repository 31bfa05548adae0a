export * from './lag-monitor';
export * from './product-events';
export * from './product-stream-keys';
export * from './projection-lag';
export * from './read-model-heartbeat';
