export { loadBffPartnerConfig } from './config.js';
export { partnerSchemas } from './partner-schemas.js';
export { resolversV1, resolversV2 } from './resolvers.js';
