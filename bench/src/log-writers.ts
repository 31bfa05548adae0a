/**
 * What one access line costs by destination, in one process: pino serialising the gateway's
 * access line into a discarding stream, into sonic-boom (as `createLogger` writes, batched and
 * not), and into Node's own `process.stdout`, all to this process's stdout. Lines are logged in
 * groups of eight between event-loop turns, so writes complete as they would in a server.
 * Reports the best of four rounds per destination, microseconds per line. Standalone:
 *
 *   ./node_modules/.bin/tsx bench/src/log-writers.ts > /dev/null
 *   ./node_modules/.bin/tsx bench/src/log-writers.ts | cat > /dev/null     # stdout a pipe
 */
import { setImmediate as turn } from 'node:timers/promises';
import { LOG_BATCH_BYTES, LOG_BATCH_FLUSH_MS } from '@edge/common';
import { type DestinationStream, pino } from 'pino';

const LINES = 50_000;
const ROUNDS = 4;
const ACCESS_LINE = {
  reqId: 'b1c2d3e4-1111-2222-3333-444455556666',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  method: 'POST',
  path: '/web/graphql',
  status: 200,
  ms: 1.234,
  surface: 'web',
  client: 'web-app',
  operation: 'Me',
};

async function microsPerLine(destination: DestinationStream): Promise<number> {
  const log = pino(
    {
      base: { service: 'gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < LINES; i++) {
      log.info(ACCESS_LINE, 'request');
      if (i % 8 === 7) await turn();
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e3 / LINES);
  }
  return best;
}

/** Keeps only the length written, so the serialising cannot be optimised away. */
let discardedBytes = 0;
const discarding: DestinationStream = {
  write: (line: string) => {
    discardedBytes += line.length;
  },
};
const destinations: [string, () => DestinationStream][] = [
  ['discarded (serialising only)', () => discarding],
  ['sonic-boom, a write per line', () => pino.destination({ fd: 1, sync: false })],
  [
    'sonic-boom, batched (the gateway)',
    () =>
      pino.destination({
        fd: 1,
        sync: false,
        minLength: LOG_BATCH_BYTES,
        periodicFlush: LOG_BATCH_FLUSH_MS,
      }),
  ],
  // Node's own stream on stdout (a pipe under the stack launcher).
  ['process.stdout', () => process.stdout],
];
for (const [name, destination] of destinations) {
  process.stderr.write(`${name}: ${(await microsPerLine(destination())).toFixed(2)} us/line\n`);
}
process.stderr.write(`(${discardedBytes} bytes discarded)\n`);
process.exit(0);
