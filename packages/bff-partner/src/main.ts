import { startBff } from '@edge/bff-runtime';
import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadConfig } from './config';
import { partnerSchemas } from './partner-schemas';

const bootLog = createLogger({ service: 'bff-partner' });

runMain(bootLog, async () => {
  const bff = await startBff({
    name: 'bff-partner',
    config: loadConfig(),
    schemas: partnerSchemas(),
  });
  onShutdown(bff.log, bff.close);
});
