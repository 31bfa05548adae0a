export { loadBffMobileConfig } from './config.js';
export { mobileSchema } from './mobile-schema.js';
export { resolvers } from './resolvers.js';
