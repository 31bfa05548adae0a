export { loadProjectionConfig, type ProjectionConfig } from './config.js';
export * from './product-read-model.js';
export { type ProjectionService, startProjectionService } from './projection-service.js';
export { DEFAULT_PROJECTOR_OPTIONS, Projector, type ProjectorOptions } from './projector.js';
export * from './read-model-keys.js';
export * from './read-model-views.js';
export {
  DEFAULT_REBUILD_OPTIONS,
  type RebuildOptions,
  type RebuildResult,
  rebuildReadModel,
} from './rebuild.js';
