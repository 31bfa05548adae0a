import { runService } from '@edge/common';
import { loadProjectionConfig } from './config.js';
import { startProjectionService } from './projection-service.js';

runService('projection', loadProjectionConfig, startProjectionService);
