// The saga orchestrator for benchmarks, as its own process configured by the environment (as
// packages/saga/src/main.ts), with a ready line carrying its URL on stdout whatever LOG_LEVEL
// says: at `warn` it keeps no access log, like the orchestrator of a loaded production. It stops
// on SIGTERM, and with the bench (its stdin closes) if the bench dies without stopping it.
import { createLogger, onShutdown } from '@edge/common';
import { loadSagaConfig, startSagaService } from '../../../packages/saga/src/index';

const service = await startSagaService(loadSagaConfig());
process.stdout.write(`${JSON.stringify({ msg: 'saga ready', url: service.url })}\n`);
onShutdown(createLogger({ service: 'saga', level: 'silent' }), () => service.close());
