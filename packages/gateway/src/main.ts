import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadConfig } from './config.js';
import { startGateway } from './gateway-server.js';

const bootLog = createLogger({ service: 'gateway' });

runMain(bootLog, async () => {
  const gateway = await startGateway(loadConfig());
  onShutdown(gateway.log, gateway.close);
});
