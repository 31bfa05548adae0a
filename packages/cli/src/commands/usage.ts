import { writeFileSync } from 'node:fs';
import { AppError, ErrorCode } from '@edge/common';
import { type HourlyUsage, hourOf, type UsageEvent, usageEvents } from '@edge/contracts';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { openUsageStore } from '../contracts-store.js';
import { parseOptions } from '../parse-options.js';

/** CloudEvents `source` of exported usage. */
const EVENT_SOURCE = 'edge-gateway';

const READ_OPTIONS = {
  partner: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

const EXPORT_OPTIONS = {
  ...READ_OPTIONS,
  out: { type: 'string' },
  push: { type: 'string' },
  open: { type: 'boolean' },
} as const;

function dateOf(name: string, raw: string | undefined): number {
  if (raw === undefined) throw new UsageError(`--${name} is required (an ISO date or time)`);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw new UsageError(`--${name} must be an ISO date or time`);
  return at;
}

async function read(ctx: CommandContext, partner: string | undefined, from: number, to: number) {
  if (to <= from) throw new UsageError('--to must be after --from');
  const store = await openUsageStore(ctx);
  try {
    return await store.read({ ...(partner ? { partner } : {}), from, to });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

const rowOf = (u: HourlyUsage) => ({
  hour: new Date(u.hour).toISOString(),
  partner: u.partner,
  keyId: u.keyId,
  requests: u.requests,
  cost: u.cost,
});

/** OpenMeter's batch ingestion: POST /api/v1/events with a JSON array of CloudEvents. */
async function push(ctx: CommandContext, url: string, events: UsageEvent[]): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/cloudevents-batch+json' };
  if (ctx.config.usagePushToken) headers['authorization'] = `Bearer ${ctx.config.usagePushToken}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(events) }).catch(
    (err: Error) => {
      throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, `${url}: ${err.message}`);
    },
  );
  if (!res.ok) {
    throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, `${url} answered ${res.status}`);
  }
}

/**
 * Hourly usage as CloudEvents: JSON lines on stdout or in `--out`, or one batch POSTed to
 * `--push`. Only closed hours unless `--open`: an event's id is its key and hour, so a sink that
 * deduplicates by id would keep a partial total of an hour still counting.
 */
async function exportUsage(ctx: CommandContext, rest: string[]) {
  const { values } = parseOptions(rest, EXPORT_OPTIONS);
  const from = dateOf('from', values.from);
  const asked = dateOf('to', values.to);
  const to = values.open ? asked : Math.min(asked, hourOf(Date.now()));
  const { out, push: url } = values;
  if (out && url) throw new UsageError('give --out or --push, not both');
  const events = usageEvents(
    to > from ? await read(ctx, values.partner, from, to) : [],
    EVENT_SOURCE,
  );
  if (url) await push(ctx, url, events);
  else if (out) writeFileSync(out, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  else for (const e of events) ctx.out(JSON.stringify(e));
  ctx.say(
    `exported ${events.length} hourly usage event(s)${url ? ` to ${url}` : out ? ` to ${out}` : ''}`,
  );
}

async function prune(ctx: CommandContext, rest: string[]) {
  const before = dateOf('before', parseOptions(rest, { before: { type: 'string' } }).values.before);
  const store = await openUsageStore(ctx);
  try {
    ctx.say(`pruned ${await store.prune(before)} hour(s) of usage`);
  } finally {
    await store.close();
  }
}

export const usageCommand: Command = {
  name: 'usage',
  summary: 'partner requests and GraphQL cost per key and hour; export them as CloudEvents',
  usage: [
    'usage --partner <id> --from <iso> --to <iso> [--json]',
    'usage export --from <iso> --to <iso> [--partner <id>] [--out <file.jsonl> | --push <url>] [--open]',
    'usage prune --before <iso>   (delete hours that started before it, once exported)',
    '  (CloudEvents JSON lines, OpenMeter-compatible; --push sends one batch, with',
    '   USAGE_PUSH_TOKEN as bearer token; closed hours only unless --open)',
  ].join('\n       '),
  async run(ctx) {
    const [action, ...rest] = ctx.args;
    if (action === 'export') return await exportUsage(ctx, rest);
    if (action === 'prune') return await prune(ctx, rest);
    const { values } = parseOptions(ctx.args, READ_OPTIONS);
    if (!values.partner) throw new UsageError('--partner is required');
    const rows = await read(
      ctx,
      values.partner,
      dateOf('from', values.from),
      dateOf('to', values.to),
    );
    ctx.list(rows.map(rowOf), ['hour', 'partner', 'keyId', 'requests', 'cost']);
    const total = rows.reduce(
      (t, u) => ({ requests: t.requests + u.requests, cost: t.cost + u.cost }),
      {
        requests: 0,
        cost: 0,
      },
    );
    ctx.say(`total: ${total.requests} request(s), cost ${total.cost}`);
  },
};
