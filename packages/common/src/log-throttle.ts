import type { Logger } from './logger.js';

/** Default window in which a repeated message is counted instead of logged again. */
export const DEFAULT_LOG_THROTTLE_MS = 60_000;

export interface LogThrottle {
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

interface Window {
  repeated: number;
  fields: Record<string, unknown>;
}

/**
 * Log a repeated problem once per window with a count, instead of once per occurrence: a Redis
 * outage makes the client emit an error on every reconnect attempt, and a thousand identical
 * lines a minute bury the one line that says when it started. The first occurrence is logged at
 * once; at the end of its window, if it repeated, one line says how often (`repeated`) and a
 * new window opens; a window without repeats closes silently. Messages are told apart by level,
 * message and the `err` field.
 */
export function createLogThrottle(log: Logger, windowMs = DEFAULT_LOG_THROTTLE_MS): LogThrottle {
  const windows = new Map<string, Window>();

  const emit = (level: 'warn' | 'error', fields: Record<string, unknown>, msg: string) => {
    const key = `${level}\u0000${msg}\u0000${String(fields['err'] ?? '')}`;
    const open = windows.get(key);
    if (open) {
      open.repeated++;
      open.fields = fields;
      return;
    }
    log[level](fields, msg);
    const window: Window = { repeated: 0, fields };
    windows.set(key, window);
    const close = () => {
      if (window.repeated === 0) {
        windows.delete(key);
        return;
      }
      log[level]({ ...window.fields, repeated: window.repeated, windowMs }, msg);
      window.repeated = 0;
      setTimeout(close, windowMs).unref();
    };
    setTimeout(close, windowMs).unref();
  };

  return {
    warn: (fields, msg) => emit('warn', fields, msg),
    error: (fields, msg) => emit('error', fields, msg),
  };
}
