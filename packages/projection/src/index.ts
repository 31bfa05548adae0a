export { loadProjectionConfig, type ProjectionConfig } from './config';
export * from './product-read-model';
export { type ProjectionService, startProjectionService } from './projection-service';
export { DEFAULT_PROJECTOR_OPTIONS, Projector, type ProjectorOptions } from './projector';
export * from './read-model-keys';
export * from './read-model-views';
export {
  DEFAULT_REBUILD_OPTIONS,
  type RebuildOptions,
  type RebuildResult,
  rebuildReadModel,
} from './rebuild';
