// services-mock for benchmarks, as its own process: free ports, no access log (the bench measures
// the mock's callers, not pino), one ready line with the URLs on stdout. It stops on SIGTERM, and
// with the bench (its stdin closes) if the bench dies without stopping it.
import { createLogger, onShutdown } from '@edge/common';
import { startServicesMock } from '../../../packages/services-mock/src/index';

const mock = await startServicesMock({ logLevel: 'silent' });
process.stdout.write(`${JSON.stringify({ msg: 'services-mock ready', urls: mock.urls })}\n`);
onShutdown(createLogger({ service: 'services-mock', level: 'silent' }), () => mock.close());
