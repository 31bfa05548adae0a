import { createLogger, type Logger } from './logger.js';

/**
 * Set by the stack launcher, which hands each process a stdin pipe of its own: the pipe's end
 * means the launcher is gone (killed, or a test worker torn down after a hook timed out), and a
 * process nobody is left to stop must not hold its port and its Redis keys forever.
 */
export const STOP_WITH_PARENT_ENV = 'EDGE_STOP_WITH_PARENT';

/**
 * How long an orphan may drain. Nobody is left to send the SIGKILL that ends a hung drain, so it
 * ends itself.
 */
const ORPHAN_DRAIN_MS = 10_000;

/**
 * An orphan ends with SIGKILL, not `process.exit`: its stdout is the dead launcher's pipe, and the
 * logger's exit handler (a synchronous flush that sleeps and retries) then blocks forever.
 */
const endOrphan = () => process.kill(process.pid, 'SIGKILL');

/**
 * Run `stop` once on SIGTERM or SIGINT (or, under the launcher, when it goes away), then exit.
 * A second signal exits at once, so an operator is never stuck behind a drain that hangs.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const begin = (reason: string) => {
    stopping = true;
    log.info({ signal: reason }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    begin(signal);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  if (process.env[STOP_WITH_PARENT_ENV] === '1') {
    process.stdin.once('end', () => {
      if (stopping) return;
      stopping = true;
      setTimeout(endOrphan, ORPHAN_DRAIN_MS).unref();
      stop().finally(endOrphan);
    });
    process.stdin.resume();
  }
}

/** Log and exit on a failure during start, so a misconfigured process never half-runs. */
export function runMain(log: Logger, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    log.fatal({ err: err instanceof Error ? { message: err.message } : err }, 'failed to start');
    process.exit(1);
  });
}

/**
 * The whole entry of a service whose config names its log level: start it from the loaded config
 * with a logger at that level, and close it on shutdown.
 */
export function runService<Config extends { logLevel: string }>(
  service: string,
  load: () => Config,
  start: (config: Config, log: Logger) => Promise<{ close(): Promise<void> }>,
): void {
  runMain(createLogger({ service }), async () => {
    const config = load();
    const log = createLogger({ service, level: config.logLevel });
    const running = await start(config, log);
    onShutdown(log, () => running.close());
  });
}
