import type { Logger } from './logger.js';

/**
 * Run `stop` once on SIGTERM or SIGINT, then exit. A second signal exits at once, so an
 * operator is never stuck behind a drain that hangs.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}

/** Log and exit on a failure during start, so a misconfigured process never half-runs. */
export function runMain(log: Logger, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    log.fatal({ err: err instanceof Error ? { message: err.message } : err }, 'failed to start');
    process.exit(1);
  });
}
