import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadSagaConfig } from './config.js';
import { startSagaService } from './saga-service.js';

const bootLog = createLogger({ service: 'saga' });

runMain(bootLog, async () => {
  const config = loadSagaConfig();
  const log = createLogger({ service: 'saga', level: config.logLevel });
  const service = await startSagaService(config, log);
  onShutdown(log, () => service.close());
});
