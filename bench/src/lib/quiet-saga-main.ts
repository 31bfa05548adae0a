// The saga orchestrator for benchmarks, as its own process configured by the environment (as
// packages/saga/src/main.ts), with a ready line carrying its URL on stdout whatever LOG_LEVEL
// says: at `warn` it keeps no access log, like the orchestrator of a loaded production.
import { loadSagaConfig, startSagaService } from '../../../packages/saga/src/index';

const service = await startSagaService(loadSagaConfig());
process.stdout.write(`${JSON.stringify({ msg: 'saga ready', url: service.url })}\n`);
process.once('SIGTERM', () => {
  void service.close().then(() => process.exit(0));
});
