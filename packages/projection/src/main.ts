import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadProjectionConfig } from './config.js';
import { startProjectionService } from './projection-service.js';

const bootLog = createLogger({ service: 'projection' });

runMain(bootLog, async () => {
  const config = loadProjectionConfig();
  const log = createLogger({ service: 'projection', level: config.logLevel });
  const service = await startProjectionService(config, log);
  onShutdown(log, () => service.close());
});
