/**
 * The order-event consumers through a provider outage of as long as you like, with the shipped
 * defaults: services-mock (in this process, real HTTP), two consumers processes for every group
 * on Redis, orders confirmed (and some cancelled) all through the outage, one instance killed
 * -9 halfway and replaced. Prints the report as JSON and exits 1 if any promise broke (a dead
 * letter, an email or pick list missing or sent twice, no page for events waiting past 2 min,
 * a page never resolved).
 *
 *   npm run -s outage -- consumers --minutes 10 [--orders 300] [--retry-after 30] [--no-replace]
 */
import { parseArgs } from 'node:util';
import { startConsumerWorld } from './consumer-fixture';
import { runConsumerOutage } from './consumer-outage';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    orders: { type: 'string', default: '300' },
    'retry-after': { type: 'string', default: '30' },
    'no-replace': { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const orders = Number(values.orders);
const retryAfterS = Number(values['retry-after']);
if (!(minutes > 0) || !Number.isInteger(orders) || orders < 1 || !Number.isInteger(retryAfterS)) {
  process.stderr.write(
    'usage: outage consumers --minutes <n> [--orders <n>] [--retry-after <s>] [--no-replace]\n',
  );
  process.exit(2);
}

const world = await startConsumerWorld();
try {
  process.stderr.write(
    `consumers: email and warehouse outage of ${minutes} min over ${orders} orders, defaults\n`,
  );
  const report = await runConsumerOutage(world, {
    outageMs: Math.round(minutes * 60_000),
    orders,
    retryAfterS,
    replaceMidway: !values['no-replace'],
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
} finally {
  await world.close();
}
