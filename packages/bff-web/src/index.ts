export { loadBffWebConfig } from './config.js';
export { resolvers } from './resolvers.js';
export { webSchema } from './web-schema.js';
