import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadServicesMockConfig } from './config.js';
import { startProductEvents } from './product-events-runtime.js';
import { startServicesMock } from './services-mock.js';

const bootLog = createLogger({ service: 'services-mock' });

runMain(bootLog, async () => {
  const config = loadServicesMockConfig();
  const logger = createLogger({ service: 'services-mock', level: config.logLevel });
  const events = await startProductEvents(config, logger);
  const mock = await startServicesMock({
    ports: config.ports,
    host: config.host,
    logger,
    ...(events
      ? { productEvents: events.sink, registerProductMetrics: events.registerMetrics }
      : {}),
  });
  logger.info({ ports: mock.ports }, 'services-mock ready');
  onShutdown(logger, async () => {
    await mock.close();
    await events?.close();
  });
});
