import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { UsageError } from './command.js';

/**
 * Every command's own arguments, parsed strictly: an unknown option, an option without its
 * value or an argument beyond `maxPositionals` is misuse (exit 2), never ignored. An ignored
 * word once cost an incident: `sagas list compensating` printed an empty list with exit 0.
 */
export function parseOptions<const O extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: O,
  maxPositionals = 0,
) {
  const parsed = parseStrict(args, options);
  const extra = parsed.positionals.slice(maxPositionals);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra.join(' ')}`);
  return parsed;
}

/** node:util's refusals are TypeErrors with an ERR_PARSE_ARGS_* code; they are usage errors. */
function parseStrict<const O extends ParseArgsOptionsConfig>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((err as Error).message);
    }
    throw err;
  }
}
