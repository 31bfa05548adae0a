import { startBff } from '@edge/bff-runtime';
import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadBffMobileConfig } from './config.js';
import { mobileSchema } from './mobile-schema.js';

const bootLog = createLogger({ service: 'bff-mobile' });

runMain(bootLog, async () => {
  const bff = await startBff({
    name: 'bff-mobile',
    surface: 'mobile',
    config: loadBffMobileConfig(),
    schemas: [mobileSchema()],
  });
  onShutdown(bff.log, bff.close);
});
