import { createLogger, isAppError } from '@edge/common';
import { CommanderError, Command as Program } from 'commander';
// biome-ignore lint/correctness/useImportExtensions: the rule takes a JSON module for a script and would rename it .js.
import packageJson from '../package.json' with { type: 'json' };
import {
  CheckFailed,
  type Command,
  type CommandContext,
  ServiceRefused,
  UsageError,
} from './command.js';
import { documentsCommand } from './commands/documents.js';
import { eventsCommand } from './commands/events.js';
import { keysCommand } from './commands/keys.js';
import { reconcileCommand } from './commands/reconcile.js';
import { sagasCommand } from './commands/sagas.js';
import { schemaCommand } from './commands/schema.js';
import { tokenCommand } from './commands/token.js';
import { usageCommand } from './commands/usage.js';
import { loadCliConfig } from './config.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './table.js';

const commands: Command[] = [
  tokenCommand,
  keysCommand,
  sagasCommand,
  eventsCommand,
  reconcileCommand,
  documentsCommand,
  schemaCommand,
  usageCommand,
];

const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT.ok}  done
  ${EXIT.failed}  the command failed (a service refused or did not answer; stderr says why)
  ${EXIT.usage}  misuse: unknown command or option, missing or bad argument (nothing was done)
  ${EXIT.rejected}  a check found a problem (schema check: the schema breaks a live client version)

Each command takes --help. In this repository: npm run -s cli -- <command> ...`;

/** Where the CLI writes and what environment it reads: the process's, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

type Flags = { json?: boolean; verbose?: boolean };

const write = (stream: NodeJS.WritableStream) => (text: string) => {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
};

/** Usage of one command, on stdout: asked for, so it is the answer, not an error. */
function usageOf(command: Command): string {
  return `usage: edge ${command.usage}\n\n${command.summary}\n`;
}

function contextOf(args: string[], flags: Flags, io: CliIo): CommandContext {
  const out = write(io.stdout);
  return {
    args,
    config: loadCliConfig(io.env),
    // Values go to stdout and messages to stderr; log lines only when asked for.
    log: createLogger({ service: 'cli', level: flags.verbose ? 'info' : 'silent', fd: 2 }),
    json: flags.json === true,
    out,
    list: (rows, columns) => {
      if (flags.json) for (const row of rows) out(JSON.stringify(row));
      else out(formatTable(rows, columns));
    },
    say: write(io.stderr),
  };
}

/**
 * The exit code of a command's failure, its message on stderr. Only misuse shows the usage: a
 * service's refusal is not fixed by reading it, and the usage would bury the refusal's reason.
 */
function failed(command: Command, err: unknown, stderr: NodeJS.WritableStream): number {
  if (err instanceof CheckFailed) {
    stderr.write(`${err.message}\n`);
    return EXIT.rejected;
  }
  if (err instanceof UsageError) {
    stderr.write(`error: ${err.message}\n${usageOf(command)}`);
    return EXIT.usage;
  }
  const refusal = err instanceof ServiceRefused || isAppError(err);
  stderr.write(`error: ${refusal ? `${err.code}: ${err.message}` : String(err)}\n`);
  return EXIT.failed;
}

async function runCommand(
  command: Command,
  args: string[],
  flags: Flags,
  io: CliIo,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(usageOf(command));
    return EXIT.ok;
  }
  try {
    await command.run(contextOf(args, flags, io));
    return EXIT.ok;
  } catch (err) {
    return failed(command, err, io.stderr);
  }
}

function buildProgram(io: CliIo, onExit: (code: number) => void): Program {
  const program = new Program('edge')
    .description(
      'Operate the edge: dev tokens, partner keys, sagas, event dead letters, reconciliation',
    )
    .version(packageJson.version, '-V, --version', 'print the version')
    // The program's own options only before the command: `documents push --version 5.2.0`
    // belongs to the command, not to `edge --version`.
    .enablePositionalOptions()
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', 'print help for a command')
    .addHelpText('after', EXIT_CODES_HELP)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeOut: write(io.stdout), writeErr: write(io.stderr) });
  for (const command of commands) {
    program
      .command(command.name)
      .summary(command.summary)
      .description(usageOf(command))
      // Each command parses its own options (node:util parseArgs, strict) and prints its own
      // usage; commander routes, handles the global flags and refuses unknown commands.
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .option('--json', 'lists as JSON lines')
      .option('--verbose', 'log lines on stderr')
      .action(async (args: string[], flags: Flags) => {
        onExit(await runCommand(command, args, flags, io));
      });
  }
  return program;
}

/** Commander's own outcomes: help and version asked for are answers, anything else misuse. */
function exitCodeOf(err: CommanderError): number {
  return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
}

/** Run the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return exitCodeOf(err);
    throw err;
  }
}
