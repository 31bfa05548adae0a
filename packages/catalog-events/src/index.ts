export * from './lag-monitor.js';
export * from './product-events.js';
export * from './product-stream-keys.js';
export * from './projection-lag.js';
export * from './read-model-heartbeat.js';
