import type { Logger } from '@edge/common';
import type { CliConfig } from './config';

/** Everything a command gets: its own arguments, config, and a logger on stderr. */
export interface CommandContext {
  args: string[];
  config: Readonly<CliConfig>;
  log: Logger;
  /** Print a value for scripts: stdout, one per line, nothing else. */
  out(value: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CommandContext): Promise<void>;
}

/** A usage problem: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
