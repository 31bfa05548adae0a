export { resolversV1, resolversV2 } from './resolvers';
