import { createLogger, isAppError } from '@edge/common';
import { type Command, UsageError } from './command';
import { eventsCommand } from './commands/events';
import { keysCommand } from './commands/keys';
import { reconcileCommand } from './commands/reconcile';
import { sagasCommand } from './commands/sagas';
import { tokenCommand } from './commands/token';
import { loadConfig } from './config';

const commands: Command[] = [
  tokenCommand,
  keysCommand,
  sagasCommand,
  eventsCommand,
  reconcileCommand,
];

function help(): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`);
  return `usage: pnpm cli <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nEach command takes --help.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = commands.find((c) => c.name === name);
  if (!command || name === '--help') {
    process.stderr.write(help());
    return command || name === '--help' ? 0 : 2;
  }
  if (args.includes('--help')) {
    process.stderr.write(`usage: pnpm cli ${command.usage}\n`);
    return 0;
  }
  const log = createLogger({ service: 'cli', level: 'info', fd: 2 });
  try {
    await command.run({
      args,
      config: loadConfig(),
      log,
      out: (value) => process.stdout.write(`${value}\n`),
    });
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && 'code' in err)) {
      process.stderr.write(`error: ${err.message}\nusage: pnpm cli ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(
      `error: ${isAppError(err) ? `${err.code}: ${err.message}` : String(err)}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
