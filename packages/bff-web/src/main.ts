import { startBff } from '@edge/bff-runtime';
import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadBffWebConfig } from './config.js';
import { webSchema } from './web-schema.js';

const bootLog = createLogger({ service: 'bff-web' });

runMain(bootLog, async () => {
  const config = loadBffWebConfig();
  const bff = await startBff({
    name: 'bff-web',
    surface: 'web',
    config,
    schemas: [webSchema(config)],
  });
  onShutdown(bff.log, bff.close);
});
