export { loadConfig } from './config';
export { resolvers } from './resolvers';
export { webSchema } from './web-schema';
