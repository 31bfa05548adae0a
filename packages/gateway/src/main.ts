import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './gateway-server.js';

const bootLog = createLogger({ service: 'gateway' });

runMain(bootLog, async () => {
  const gateway = await startGateway(loadGatewayConfig());
  onShutdown(gateway.log, gateway.close);
});
