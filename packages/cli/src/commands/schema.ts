import { readFileSync } from 'node:fs';
import { checkLiveDocuments, deprecationReport, schemaFromSdl } from '@edge/contracts';
import { SURFACE_NAMES } from '@edge/gateway';
import { CheckFailed, type Command, type CommandContext, UsageError } from '../command.js';
import { openDocumentStore } from '../contracts-store.js';
import { parseOptions } from '../parse-options.js';

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

/** `--surface <s> <schema.graphql...>`, shared by both actions. */
function surfaceAndSchema(rest: string[]) {
  const { values, positionals } = parseOptions(
    rest,
    { surface: { type: 'string' } },
    Number.POSITIVE_INFINITY,
  );
  const surface = values.surface;
  if (!surface || !(SURFACE_NAMES as readonly string[]).includes(surface)) {
    throw new UsageError(`--surface must be one of ${SURFACE_NAMES.join(', ')}`);
  }
  if (positionals.length === 0) throw new UsageError('give the schema (.graphql files)');
  return { surface, schema: readSchema(positionals) };
}

async function deprecations(ctx: CommandContext, rest: string[]) {
  const { surface, schema } = surfaceAndSchema(rest);
  const store = await openDocumentStore(ctx);
  try {
    const rows = (await deprecationReport(store, surface, schema)).map((r) => ({ ...r }));
    ctx.list(rows, ['client', 'version', 'operation', 'fields', 'uses']);
  } finally {
    await store.close();
  }
}

async function check(ctx: CommandContext, rest: string[]) {
  const { surface, schema } = surfaceAndSchema(rest);
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
  summary:
    "check a new BFF schema against live client versions' operations; report deprecated-field use",
  usage: [
    'schema check --surface <surface> <schema.graphql> [more.graphql ...] [--json]',
    '  (exit 3, one line per broken operation on stdout: client version operation: errors)',
    'schema deprecations --surface <surface> <schema.graphql> [more.graphql ...] [--json]',
    "  (live versions' operations that select @deprecated fields, with their uses)",
  ].join('\n       '),
  async run(ctx) {
    const [action, ...rest] = ctx.args;
    if (action === 'check') return await check(ctx, rest);
    if (action === 'deprecations') return await deprecations(ctx, rest);
    throw new UsageError(`unknown schema action ${action ?? '(none)'}`);
  },
};
