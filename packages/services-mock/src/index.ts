export { DEFAULT_PORTS, loadServicesMockConfig, type ServicesMockConfig } from './config';
export * from './seed';
export {
  DEFAULT_HOST,
  type ServicesMock,
  type ServicesMockOptions,
  startServicesMock,
} from './services-mock';
export * from './types';
