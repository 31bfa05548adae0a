/**
 * The seed incident on real processes for as long as you like, with the shipped default
 * policies: services-mock (in this process, real HTTP) and one orchestrator child on Redis.
 * Refunds answer 429 with Retry-After, then 503, then reset connections for `--minutes`; prints
 * the report as JSON and exits 1 if any promise broke (a double refund, a missing refund, a
 * dead-lettered saga).
 *
 *   npm run -s outage -- --minutes 6 [--orders 200] [--retry-after 5]
 */
import { parseArgs } from 'node:util';
import { runRefundOutage } from './refund-outage';
import {
  defaultsEnv,
  spawnOrchestrator,
  startMock,
  stockedItems,
  testPrefix,
} from './saga-harness';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '6' },
    orders: { type: 'string', default: '200' },
    'retry-after': { type: 'string', default: '5' },
  },
});
const minutes = Number(values.minutes);
const orders = Number(values.orders);
const retryAfterS = Number(values['retry-after']);
if (!(minutes > 0) || !Number.isInteger(orders) || orders < 1 || !Number.isInteger(retryAfterS)) {
  process.stderr.write('usage: outage --minutes <n> [--orders <n>] [--retry-after <s>]\n');
  process.exit(2);
}

const mock = await startMock();
const { prefix, cleanup } = testPrefix();
const orchestrator = await spawnOrchestrator(defaultsEnv(mock, prefix)).catch(async (error) => {
  await mock.close();
  throw error;
});
try {
  const items = await stockedItems(mock);
  process.stderr.write(`refund outage of ${minutes} min over ${orders} orders, defaults\n`);
  const report = await runRefundOutage(mock, orchestrator, items, {
    outageMs: Math.round(minutes * 60_000),
    orders,
    retryAfterS,
    refusedShipments: orders,
    keyPrefix: `outage-${Date.now()}`,
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
} finally {
  await orchestrator.stop();
  await mock.close();
  await cleanup();
}
