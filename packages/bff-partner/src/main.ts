import { startBff } from '@edge/bff-runtime';
import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadBffPartnerConfig } from './config.js';
import { partnerSchemas } from './partner-schemas.js';

const bootLog = createLogger({ service: 'bff-partner' });

runMain(bootLog, async () => {
  const bff = await startBff({
    name: 'bff-partner',
    surface: 'partner',
    config: loadBffPartnerConfig(),
    schemas: partnerSchemas(),
    // Partners' catalogue facts, denormalised for them by the projection.
    productView: 'partner',
  });
  onShutdown(bff.log, bff.close);
});
