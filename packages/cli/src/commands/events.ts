import { AppError, ErrorCode } from '@edge/common';
import { CONSUMER_GROUPS } from '@edge/consumers';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { operatorTokenOf, TOKEN_OPTION } from '../operator-client.js';
import { parseOptions } from '../parse-options.js';

/**
 * One call to a consumers process with the operator's token, as the saga commands send it; its
 * JSON error answers become AppErrors with their code.
 */
async function call(
  ctx: CommandContext,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<unknown> {
  const res = await fetch(url, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${operatorTokenOf(ctx)}` },
    signal: AbortSignal.timeout(10_000),
  }).catch(() => {
    throw new AppError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `no consumers process answers at ${new URL(url).origin}`,
    );
  });
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string };
  };
  if (!res.ok) {
    throw new AppError(
      (body.error?.code ?? ErrorCode.UPSTREAM_UNAVAILABLE) as ErrorCode,
      body.error?.message ?? `consumers answered ${res.status}`,
    );
  }
  return body;
}

function groupArg(value: string | undefined): string {
  if (!value || !(CONSUMER_GROUPS as readonly string[]).includes(value)) {
    throw new UsageError(`name a group: ${CONSUMER_GROUPS.join(', ')}`);
  }
  return value;
}

async function deadLetters(ctx: CommandContext, rest: string[]) {
  const { values, positionals } = parseOptions(
    rest,
    { ...TOKEN_OPTION, limit: { type: 'string' } },
    1,
  );
  const group = groupArg(positionals[0]);
  const limit = Number(values.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError('--limit must be from 1 to 1000');
  }
  const body = (await call(
    ctx,
    `${ctx.config.consumersUrl}/dead-letters/${group}?limit=${limit}`,
  )) as {
    items: Record<string, unknown>[];
  };
  ctx.list(body.items, Object.keys(body.items[0] ?? { id: '' }).slice(0, 6));
}

async function replay(ctx: CommandContext, rest: string[]) {
  // Any number of ids after the group.
  const { values, positionals } = parseOptions(
    rest,
    { ...TOKEN_OPTION, all: { type: 'boolean' } },
    Number.POSITIVE_INFINITY,
  );
  const group = groupArg(positionals[0]);
  const ids = positionals.slice(1);
  if (Boolean(values.all) === ids.length > 0) {
    throw new UsageError('replay needs dead-letter ids or --all (not both)');
  }
  const body = (await call(ctx, `${ctx.config.consumersUrl}/dead-letters/${group}/replay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(values.all ? { all: true } : { ids }),
  })) as { replayed: string[] };
  for (const id of body.replayed) ctx.out(id);
  if (body.replayed.length === 0) ctx.say(`nothing replayed: no such dead letters in ${group}`);
}

async function run(ctx: CommandContext) {
  const [action, ...rest] = ctx.args;
  switch (action) {
    case 'dead-letters':
      return await deadLetters(ctx, rest);
    case 'replay':
      return await replay(ctx, rest);
    default:
      throw new UsageError(`unknown events action ${action ?? '(none)'}`);
  }
}

export const eventsCommand: Command = {
  name: 'events',
  summary: "list and replay an order event consumer group's dead letters",
  usage: [
    'events dead-letters <fulfilment|fraud|notification> [--limit 100] [--json]',
    'events replay <group> <dead-letter id>... | --all',
    '(talks to the consumers process at CONSUMERS_URL, default http://127.0.0.1:4040)',
    '(each needs an operator token: --token <jwt> or OPERATOR_TOKEN; replay needs the operator role)',
  ].join('\n       '),
  run,
};
