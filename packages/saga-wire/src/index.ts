export * from './saga-wire.js';
