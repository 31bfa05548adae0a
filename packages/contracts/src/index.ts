export * from './deprecated-fields.js';
export * from './deprecation-report.js';
export * from './document-store.js';
export * from './file-document-store.js';
export * from './manifest.js';
export * from './redis-document-store.js';
export * from './schema-check.js';
