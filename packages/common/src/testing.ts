export * from './local-redis-cluster';
