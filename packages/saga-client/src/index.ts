export * from './saga-client.js';
export * from './saga-wire.js';
