import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkLiveDocuments, schemaFromSdl } from '@edge/contracts';
import { SURFACE_NAMES } from '@edge/gateway';
import { CheckFailed, type Command, type CommandContext, UsageError } from '../command.js';
import { openDocumentStore } from '../contracts-store.js';

function readSchema(files: string[]) {
  let sdl: string;
  try {
    sdl = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  } catch (err) {
    throw new UsageError(`cannot read the schema: ${(err as Error).message}`);
  }
  try {
    return schemaFromSdl(sdl);
  } catch (err) {
    throw new UsageError(`not a schema: ${(err as Error).message}`);
  }
}

async function check(ctx: CommandContext, rest: string[]) {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { surface: { type: 'string' } },
  });
  const surface = values.surface;
  if (!surface || !(SURFACE_NAMES as readonly string[]).includes(surface)) {
    throw new UsageError(`--surface must be one of ${SURFACE_NAMES.join(', ')}`);
  }
  if (positionals.length === 0) throw new UsageError('check needs the new schema (.graphql files)');
  const schema = readSchema(positionals);
  const store = await openDocumentStore(ctx);
  try {
    const result = await checkLiveDocuments(store, surface, schema);
    for (const b of result.broken) {
      if (ctx.json) ctx.out(JSON.stringify(b));
      else ctx.out(`${b.client} ${b.version} ${b.operation}: ${b.errors.join('; ')}`);
    }
    const checked = `${result.operations} operation(s) of ${result.versions} live version(s) on ${surface}`;
    if (result.broken.length > 0) {
      throw new CheckFailed(`the schema breaks ${result.broken.length} of ${checked}`);
    }
    ctx.say(`no live client breaks: ${checked} checked`);
  } finally {
    await store.close();
  }
}

export const schemaCommand: Command = {
  name: 'schema',
  summary: "check a new BFF schema against every live client version's registered operations",
  usage: [
    'schema check --surface <surface> <schema.graphql> [more.graphql ...] [--json]',
    '(exit 3, one line per broken operation on stdout: client version operation: errors)',
  ].join('\n       '),
  async run(ctx) {
    const [action, ...rest] = ctx.args;
    if (action !== 'check') throw new UsageError(`unknown schema action ${action ?? '(none)'}`);
    await check(ctx, rest);
  },
};
