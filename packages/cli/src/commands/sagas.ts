import {
  LIST_SORTS,
  type ReplayAllAnswer,
  type SagaClient,
  type SagaListSort,
  type SagaListState,
  STATUS_FILTERS,
} from '@edge/saga-client';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { TOKEN_OPTION, withOperatorClient } from '../operator-client.js';
import { parseOptions } from '../parse-options.js';

function stateFrom(values: { dlq?: boolean; state?: string }): SagaListState {
  if (values.dlq) return 'dead_lettered';
  const state = values.state ?? 'attention';
  if (!(STATUS_FILTERS as readonly string[]).includes(state)) {
    throw new UsageError(`--state must be one of ${STATUS_FILTERS.join(', ')}`);
  }
  return state as SagaListState;
}

function sortFrom(values: { sort?: string }): SagaListSort | undefined {
  if (values.sort === undefined) return undefined;
  if (!(LIST_SORTS as readonly string[]).includes(values.sort)) {
    throw new UsageError(`--sort must be one of ${LIST_SORTS.join(', ')}`);
  }
  return values.sort as SagaListSort;
}

/** Operator actions are audited under the token's subject; only the why is given here. */
function because(values: { reason?: string }) {
  if (!values.reason) throw new UsageError('--reason is required (it goes into the audit trail)');
  return { reason: values.reason };
}

/**
 * `--edit refund_payment --set amountCents=2500 --set note=...`: numbers for cents fields, text
 * for the rest; the orchestrator checks them against the step's editable schema.
 */
function editFrom(values: { edit?: string; set?: string[]; all?: boolean }) {
  if (!values.edit) {
    if (values.set?.length) throw new UsageError('--set needs --edit <step>');
    return {};
  }
  if (values.all) throw new UsageError('--edit applies to one saga, not --all');
  const input: Record<string, string | number> = {};
  for (const pair of values.set ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--set wants field=value, got ${pair}`);
    const field = pair.slice(0, at);
    const value = pair.slice(at + 1);
    input[field] = field.endsWith('Cents') && /^\d+$/.test(value) ? Number(value) : value;
  }
  if (Object.keys(input).length === 0) throw new UsageError('--edit needs at least one --set');
  return { edit: { step: values.edit, input } };
}

const LIST_OPTIONS = {
  ...TOKEN_OPTION,
  dlq: { type: 'boolean' },
  state: { type: 'string' },
  sort: { type: 'string' },
  limit: { type: 'string' },
} as const;

const REPLAY_OPTIONS = {
  ...TOKEN_OPTION,
  all: { type: 'boolean' },
  reason: { type: 'string' },
  edit: { type: 'string' },
  set: { type: 'string', multiple: true },
} as const;

const RESOLVE_OPTIONS = {
  ...TOKEN_OPTION,
  reason: { type: 'string' },
  reference: { type: 'string' },
  'keep-charge': { type: 'boolean' },
} as const;

async function list(ctx: CommandContext, client: SagaClient, rest: string[]) {
  const { values, positionals } = parseOptions(rest, LIST_OPTIONS, 1);
  // The runbook once showed `sagas list compensating`: say where the status goes.
  if (positionals[0] !== undefined) {
    throw new UsageError(
      `unexpected argument ${positionals[0]}: a status goes in --state (sagas list --state ${positionals[0]})`,
    );
  }
  if (values.dlq && values.state !== undefined) throw new UsageError('give --dlq or --state');
  const limit = Number(values.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be >= 1');
  const state = stateFrom(values);
  const sagas = await client.list(state, limit, sortFrom(values));
  const rows = sagas.map(({ history, lastProblem, ...summary }) => ({
    ...summary,
    lastProblem: lastProblem?.summary ?? null,
    steps: history.length,
  }));
  ctx.list(rows, LIST_COLUMNS);
}

/** What an operator reads first: where each saga is, what the provider last said, since when. */
const LIST_COLUMNS = [
  'id',
  'status',
  'orderId',
  'step',
  'lastProblem',
  'compensatingSince',
  'reason',
  'updatedAt',
];

/**
 * What is left after `replay --all`, and whether running it again can help: only for sagas this
 * run did not reach (more than one batch). The ones it skipped, or that dead-lettered again at
 * once (a definite refusal), are still there on the next run: saying "run it again" for them
 * advised a loop.
 */
async function sayRemaining(ctx: CommandContext, client: SagaClient, answer: ReplayAllAnswer) {
  if (answer.remaining === 0) return;
  const batch = new Set([...answer.replayed, ...answer.skipped.map((s) => s.id)]);
  const waiting = await client.list('dead_lettered', 1_000);
  const again = waiting.filter((s) => batch.has(s.id)).length;
  const unreached = answer.remaining - again;
  if (unreached > 0)
    ctx.say(`${unreached} dead-lettered sagas this run did not reach: run it again`);
  if (again > 0) {
    ctx.say(
      `${again} of this run's sagas are dead-lettered (not replayed, or refused again at once): running it again will not help; read why with sagas list --dlq`,
    );
  }
}

async function replay(ctx: CommandContext, client: SagaClient, rest: string[]) {
  const { values, positionals } = parseOptions(rest, REPLAY_OPTIONS, 1);
  const id = positionals[0];
  // An id beside --all would be ignored while every dead-lettered saga is replayed.
  if ((id === undefined) === !values.all) {
    throw new UsageError('replay needs a saga id or --all (not both)');
  }
  const body = because(values);
  const edit = editFrom(values);
  if (id === undefined) {
    const answer = await client.replayAll(body);
    for (const replayedId of answer.replayed) ctx.out(replayedId);
    for (const { reason } of answer.skipped) ctx.say(`not replayed: ${reason}`);
    await sayRemaining(ctx, client, answer);
    return;
  }
  const answer = await client.replay(id, { ...body, ...edit });
  for (const change of answer.edit?.changes ?? []) {
    ctx.say(`${answer.edit?.step} ${change.field}: ${change.before} -> ${change.after}`);
  }
  ctx.out(answer.id);
}

async function resolve(ctx: CommandContext, client: SagaClient, rest: string[]) {
  const { values, positionals } = parseOptions(rest, RESOLVE_OPTIONS, 1);
  const id = positionals[0];
  if (!id) throw new UsageError('resolve needs a saga id');
  if (!values.reference) throw new UsageError('--reference is required (e.g. the refund id)');
  const answer = await client.resolve(id, {
    ...because(values),
    reference: values.reference,
    ...(values['keep-charge'] ? { keepCharge: true } : {}),
  });
  if (answer.keptCents) {
    ctx.say(`${answer.keptCents} cents of the charge kept at the payment provider`);
  }
  ctx.out(answer.id);
}

async function run(ctx: CommandContext, client: SagaClient) {
  const [action, ...rest] = ctx.args;
  switch (action) {
    case 'list':
      return await list(ctx, client, rest);
    case 'replay':
      return await replay(ctx, client, rest);
    case 'resolve':
      return await resolve(ctx, client, rest);
    default:
      throw new UsageError(`unknown sagas action ${action ?? '(none)'}`);
  }
}

export const sagasCommand: Command = {
  name: 'sagas',
  summary: 'list stuck or dead-lettered sagas, replay or resolve them',
  usage: [
    'sagas list [--dlq | --state <status|stuck|attention|any>] [--sort newest_change|oldest_compensation] [--limit 100] [--json]',
    'sagas replay <id> | --all --reason <why>',
    'sagas replay <id> --reason <why> --edit <step> --set <field>=<value>... (edit before replay)',
    'sagas resolve <id> --reason <why> --reference <manual fix id> [--keep-charge]',
    '  (--keep-charge: the saga owes a refund and the money it still holds is kept on purpose)',
    '(each needs an operator token: --token <jwt> or OPERATOR_TOKEN; dev: token --role operator)',
  ].join('\n       '),
  run: (ctx) => withOperatorClient(ctx, (client) => run(ctx, client)),
};
