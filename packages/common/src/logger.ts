import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Name of the process, logged as `service` on every line. */
  service: string;
  /** Pino level; default `info`. */
  level?: string;
  /** File descriptor to write to; default 1 (stdout). CLIs log to 2 so stdout holds only values. */
  fd?: 1 | 2;
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
    pino.destination({ fd: options.fd ?? 1, sync: false }),
  );
}
