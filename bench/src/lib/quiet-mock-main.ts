// services-mock for benchmarks, as its own process: free ports, no access log (the bench measures
// the mock's callers, not pino), one ready line with the URLs on stdout.
import { startServicesMock } from '../../../packages/services-mock/src/index';

const mock = await startServicesMock({ logLevel: 'silent' });
process.stdout.write(`${JSON.stringify({ msg: 'services-mock ready', urls: mock.urls })}\n`);
process.once('SIGTERM', () => {
  void mock.close().then(() => process.exit(0));
});
