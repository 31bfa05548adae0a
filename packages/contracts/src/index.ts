export * from './document-store';
export * from './file-document-store';
export * from './manifest';
export * from './redis-document-store';
