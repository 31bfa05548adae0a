import type { Logger } from '@edge/common';
import type { CliConfig } from './config.js';

/** Everything a command gets: its own arguments, config, and where to write. */
export interface CommandContext {
  args: string[];
  config: Readonly<CliConfig>;
  /** Structured log lines on stderr, only with `--verbose`. */
  log: Logger;
  /** `--json`: lists print one JSON object per line instead of a table. */
  json: boolean;
  /** Print a value for scripts: stdout, one per line, nothing else. */
  out(value: string): void;
  /** A list: an aligned table of `columns` for people, or JSON lines with `--json`. */
  list(rows: readonly Record<string, unknown>[], columns: readonly string[]): void;
  /** A message for the person at the terminal: stderr, never mixed into stdout's values. */
  say(message: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CommandContext): Promise<void>;
}

/** A usage problem: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

/** A check ran and found what it guards against: its findings are on stdout, exit code 3. */
export class CheckFailed extends Error {}

/**
 * A service answered and refused (a viewer's replay is FORBIDDEN, a saga not dead-lettered is a
 * CONFLICT): the command was right, the action was not allowed. Its code and message go to
 * stderr without the usage, exit code 1.
 */
export class ServiceRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceRefused';
  }
}
