export * from '@edge/saga-wire';
export * from './saga-client.js';
