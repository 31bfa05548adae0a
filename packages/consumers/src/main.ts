import { runService } from '@edge/common';
import { loadConsumersConfig } from './config.js';
import { startConsumersService } from './consumers-service.js';

runService('consumers', loadConsumersConfig, startConsumersService);
