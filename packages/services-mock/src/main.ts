import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadServicesMockConfig } from './config';
import { startServicesMock } from './services-mock';

const bootLog = createLogger({ service: 'services-mock' });

runMain(bootLog, async () => {
  const config = loadServicesMockConfig();
  const logger = createLogger({ service: 'services-mock', level: config.logLevel });
  const mock = await startServicesMock({ ports: config.ports, host: config.host, logger });
  logger.info({ ports: mock.ports }, 'services-mock ready');
  onShutdown(logger, () => mock.close());
});
