export * from './bff-server';
export * from './config';
export * from './context';
export * from './error-format';
export * from './resolver-helpers';
