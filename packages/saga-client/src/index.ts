export * from './saga-client';
export * from './saga-wire';
