export { loadConfig } from './config';
export { partnerSchemas } from './partner-schemas';
export { resolversV1, resolversV2 } from './resolvers';
