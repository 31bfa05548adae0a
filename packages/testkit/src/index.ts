export * from './breaker-transitions';
export * from './local-redis-cluster';
export * from './private-redis';
export * from './redis-cleanup';
export * from './services-mock';
export * from './test-bff';
export * from './wait-until';
export * from './webhook-receiver';
