export * from './bff-server';
export * from './config';
export * from './context';
export * from './error-format';
export * from './priced-item';
export * from './resolver-helpers';
export * from './stale-plugin';
export * from './stale-recorder';
