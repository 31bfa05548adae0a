import { runService } from '@edge/common';
import { loadSagaConfig } from './config.js';
import { startSagaService } from './saga-service.js';

runService('saga', loadSagaConfig, startSagaService);
