import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** A batching logger writes once this many bytes are waiting, */
export const LOG_BATCH_BYTES = 4096;
/** or at the latest this long after a line was logged. */
export const LOG_BATCH_FLUSH_MS = 100;

export interface LoggerOptions {
  /** Name of the process, logged as `service` on every line. */
  service: string;
  /** Pino level; default `info`. */
  level?: string;
  /** File descriptor to write to; default 1 (stdout). CLIs log to 2 so stdout holds only values. */
  fd?: 1 | 2;
  /**
   * Write lines in batches (LOG_BATCH_BYTES, or LOG_BATCH_FLUSH_MS at the latest) instead of one
   * write per line; every line is still written, and what is pending when the process exits is
   * flushed. For the gateway, whose access line per request was its largest own cost
   * (docs/benchmarks.md, "Levers of 2026-11-30 afternoon"). Default false.
   */
  batched?: boolean;
}

/** Structured JSON logs on stdout; one line per event, fields not sentences. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({
      fd: options.fd ?? 1,
      sync: false,
      ...(options.batched ? { minLength: LOG_BATCH_BYTES, periodicFlush: LOG_BATCH_FLUSH_MS } : {}),
    }),
  );
}
