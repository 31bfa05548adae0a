import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { createSagaClient, SAGA_STATUSES, type SagaClient, SagaClientError } from '@edge/saga';
import { type Command, type CommandContext, UsageError } from '../command';

type ListState = (typeof SAGA_STATUSES)[number] | 'stuck';

function stateFrom(values: { dlq?: boolean; state?: string }): ListState {
  if (values.dlq) return 'dead_lettered';
  const state = values.state ?? 'stuck';
  if (state !== 'stuck' && !(SAGA_STATUSES as readonly string[]).includes(state)) {
    throw new UsageError(`--state must be one of ${[...SAGA_STATUSES, 'stuck'].join(', ')}`);
  }
  return state as ListState;
}

/** Operator actions are audited with who ran them; the OS user unless --actor says otherwise. */
function operator(values: { actor?: string; reason?: string }) {
  if (!values.reason) throw new UsageError('--reason is required (it goes into the audit trail)');
  return { actor: values.actor ?? `cli:${userInfo().username}`, reason: values.reason };
}

async function run(ctx: CommandContext, client: SagaClient) {
  const [action, ...rest] = ctx.args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      dlq: { type: 'boolean' },
      state: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean' },
      actor: { type: 'string' },
      reason: { type: 'string' },
    },
  });
  switch (action) {
    case 'list': {
      const limit = Number(values.limit ?? 100);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be >= 1');
      for (const saga of await client.list(stateFrom(values), limit)) {
        const { history, ...summary } = saga;
        ctx.out(JSON.stringify({ ...summary, steps: history.length }));
      }
      return;
    }
    case 'replay': {
      const body = operator(values);
      if (values.all) {
        for (const id of await client.replayAll(body)) ctx.out(id);
        return;
      }
      const id = positionals[0];
      if (!id) throw new UsageError('replay needs a saga id or --all');
      ctx.out((await client.replay(id, body)).id);
      return;
    }
    case 'resolve': {
      const id = positionals[0];
      if (!id) throw new UsageError('resolve needs a saga id');
      ctx.out((await client.resolve(id, operator(values))).id);
      return;
    }
    default:
      throw new UsageError(`unknown sagas action ${action ?? '(none)'}`);
  }
}

export const sagasCommand: Command = {
  name: 'sagas',
  summary: 'list stuck or dead-lettered sagas, replay or resolve them',
  usage: [
    'sagas list [--dlq | --state <status|stuck>] [--limit 100]',
    'sagas replay <id> | --all --reason <why> [--actor <who>]',
    'sagas resolve <id> --reason <why> [--actor <who>]',
  ].join('\n       '),
  async run(ctx) {
    const client = createSagaClient({ baseUrl: ctx.config.sagaUrl });
    try {
      await run(ctx, client);
    } catch (err) {
      if (err instanceof SagaClientError) {
        throw new UsageError(`${err.code}: ${err.message}`);
      }
      throw err;
    } finally {
      await client.close();
    }
  },
};
