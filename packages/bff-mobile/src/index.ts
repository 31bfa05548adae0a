export { loadConfig } from './config';
export { mobileSchema } from './mobile-schema';
export { resolvers } from './resolvers';
