import { createLogger, isAppError } from '@edge/common';
import { CommanderError, Command as Program } from 'commander';
// biome-ignore lint/correctness/useImportExtensions: the rule takes a JSON module for a script and would rename it .js.
import packageJson from '../package.json' with { type: 'json' };
import { CheckFailed, type Command, type CommandContext, UsageError } from './command.js';
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

const write = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
};

/** Usage of one command, on stdout: asked for, so it is the answer, not an error. */
function usageOf(command: Command): string {
  return `usage: edge ${command.usage}\n\n${command.summary}\n`;
}

async function runCommand(
  command: Command,
  args: string[],
  flags: { json?: boolean; verbose?: boolean },
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usageOf(command));
    return EXIT.ok;
  }
  const ctx: CommandContext = {
    args,
    config: loadCliConfig(),
    // Values go to stdout and messages to stderr; log lines only when asked for.
    log: createLogger({ service: 'cli', level: flags.verbose ? 'info' : 'silent', fd: 2 }),
    json: flags.json === true,
    out: write(process.stdout),
    list: (rows, columns) => {
      if (flags.json) for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
      else process.stdout.write(`${formatTable(rows, columns)}\n`);
    },
    say: write(process.stderr),
  };
  try {
    await command.run(ctx);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CheckFailed) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.rejected;
    }
    // node:util parseArgs throws TypeErrors with a code (unknown option, missing value).
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`error: ${err.message}\n${usageOf(command)}`);
      return EXIT.usage;
    }
    process.stderr.write(
      `error: ${isAppError(err) ? `${err.code}: ${err.message}` : String(err)}\n`,
    );
    return EXIT.failed;
  }
}

function buildProgram(onExit: (code: number) => void): Program {
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
    .configureOutput({ writeOut: write(process.stdout), writeErr: write(process.stderr) });
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
      .action(async (args: string[], flags: { json?: boolean; verbose?: boolean }) => {
        onExit(await runCommand(command, args, flags));
      });
  }
  return program;
}

/** Commander's own outcomes: help and version asked for are answers, anything else misuse. */
function exitCodeOf(err: CommanderError): number {
  return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
}

async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
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

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
