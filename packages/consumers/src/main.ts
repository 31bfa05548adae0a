import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadConsumersConfig } from './config.js';
import { startConsumersService } from './consumers-service.js';

const bootLog = createLogger({ service: 'consumers' });

runMain(bootLog, async () => {
  const config = loadConsumersConfig();
  const log = createLogger({ service: 'consumers', level: config.logLevel });
  const service = await startConsumersService(config, log);
  onShutdown(log, () => service.close());
});
