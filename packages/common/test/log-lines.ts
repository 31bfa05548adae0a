import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../src/logger';

/** A real pino logger whose JSON lines are kept in memory for assertions. */
export function capturingLogger(level = 'debug'): {
  log: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}
