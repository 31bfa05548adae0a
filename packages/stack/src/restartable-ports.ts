import { createServer } from 'node:net';

/**
 * Ports for a stack on free ports that `restart` can bring a process back to. A port the kernel
 * hands out (listen on 0) comes from its ephemeral range, which it also draws the local ports of
 * outgoing connections from: while a killed process is down, any connection (or another test's
 * server) may take its port, and the restart fails with EADDRINUSE. These come from below that
 * range (Linux: 32768-60999), from a block of this process's own (one per test worker), and are
 * tried before they are handed out.
 */
const RANGE_START = 20_000;
const BLOCK_SIZE = 1_500;
/** Blocks for up to eight test workers at once (the suite runs two). */
const BLOCKS = 8;

const block = (() => {
  const worker = Number(process.env['VITEST_POOL_ID'] ?? process.pid);
  return RANGE_START + (worker % BLOCKS) * BLOCK_SIZE;
})();
let next = 0;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on, from this process's block, not handed out by it before. */
export async function restartablePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK_SIZE; tried++) {
    const port = block + (next++ % BLOCK_SIZE);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${block}-${block + BLOCK_SIZE - 1}`);
}
