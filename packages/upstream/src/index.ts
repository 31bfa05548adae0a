export * from './breaker';
export * from './domain';
export * from './http-client';
export * from './loaders';
export * from './service-clients';
export * from './upstream-error';
