export * from './breaker-transitions.js';
export * from './local-redis-cluster.js';
export * from './private-redis.js';
export * from './redis-cleanup.js';
export * from './services-mock.js';
export * from './test-bff.js';
export * from './wait-until.js';
export * from './webhook-receiver.js';
