import { readFileSync } from 'node:fs';
import { AppError, ErrorCode } from '@edge/common';
import { type ClientVersion, type DocumentStore, parseManifest, versionKey } from '@edge/contracts';
import { SURFACE_NAMES } from '@edge/gateway';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { openDocumentStore } from '../contracts-store.js';
import { parseOptions } from '../parse-options.js';

/** What an action does once the store is open; its arguments are parsed before. */
type DocumentAction = (ctx: CommandContext, store: DocumentStore) => Promise<void>;

const DAY_MS = 86_400_000;

function surfaceFor(client: string, surface: string | undefined): string {
  const chosen = surface ?? client;
  if (!(SURFACE_NAMES as readonly string[]).includes(chosen)) {
    throw new UsageError(
      surface === undefined
        ? `--surface is required: ${client} is not a surface name (${SURFACE_NAMES.join(', ')})`
        : `unknown surface ${surface} (${SURFACE_NAMES.join(', ')})`,
    );
  }
  return chosen;
}

function readManifest(file: string) {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return parseManifest(raw, file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function push(rest: string[]): DocumentAction {
  const { values, positionals } = parseOptions(
    rest,
    { client: { type: 'string' }, version: { type: 'string' }, surface: { type: 'string' } },
    1,
  );
  const { client, version } = values;
  const file = positionals[0];
  if (!client || !version || !file) {
    throw new UsageError('push needs --client, --version and a manifest file');
  }
  const operations = readManifest(file);
  const surface = surfaceFor(client, values.surface);
  return async (ctx, store) => {
    await store.push({ client, version, surface }, operations);
    ctx.say(
      `pushed ${operations.length} operation(s) for ${versionKey(client, version)} on ${surface}`,
    );
  };
}

function retire(rest: string[]): DocumentAction {
  const { client, version } = parseOptions(rest, {
    client: { type: 'string' },
    version: { type: 'string' },
  }).values;
  if (!client || !version) throw new UsageError('retire needs --client and --version');
  return async (ctx, store) => {
    const record = await store.retire(client, version);
    if (!record) {
      throw new AppError(ErrorCode.NOT_FOUND, `${versionKey(client, version)} was never pushed`);
    }
    ctx.say(`retired ${versionKey(client, version)} at ${record.retiredAt}`);
  };
}

/**
 * Live versions nobody ran for `--days` (default 30) or since `--since <iso>`: last seen
 * before then, or never seen and pushed before then (a version just pushed is not stale yet).
 */
function stale(rest: string[]): DocumentAction {
  const { values } = parseOptions(rest, { days: { type: 'string' }, since: { type: 'string' } });
  const since = sinceOf(values.days, values.since);
  return (ctx, store) => staleSince(ctx, store, since);
}

async function staleSince(ctx: CommandContext, store: DocumentStore, since: number) {
  const seen = new Map(
    (await store.usage()).map((u) => [versionKey(u.client, u.version), u.lastSeenAt]),
  );
  const rows = (await store.versions())
    .filter((v) => v.retiredAt === null)
    .map((v) => ({ ...row(v), lastSeenAt: isoOf(seen.get(versionKey(v.client, v.version))) }))
    .filter((v) => (v.lastSeenAt ? Date.parse(v.lastSeenAt) : Date.parse(v.pushedAt)) < since);
  ctx.list(rows, ['client', 'version', 'surface', 'pushedAt', 'lastSeenAt']);
}

function sinceOf(days: string | undefined, since: string | undefined): number {
  if (days !== undefined && since !== undefined) throw new UsageError('give --days or --since');
  if (since !== undefined) {
    const at = Date.parse(since);
    if (Number.isNaN(at)) throw new UsageError('--since must be an ISO date');
    return at;
  }
  const n = Number(days ?? 30);
  if (!Number.isFinite(n) || n < 0) throw new UsageError('--days must be a number >= 0');
  return Date.now() - n * DAY_MS;
}

const isoOf = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

const row = (v: ClientVersion) => ({
  client: v.client,
  version: v.version,
  surface: v.surface,
  operations: v.operations.length,
  pushedAt: v.pushedAt,
  retiredAt: v.retiredAt,
});

function list(rest: string[]): DocumentAction {
  parseOptions(rest, {});
  return async (ctx, store) => {
    const columns = ['client', 'version', 'surface', 'operations', 'pushedAt', 'retiredAt'];
    ctx.list((await store.versions()).map(row), columns);
  };
}

function actionOf(action: string | undefined, rest: string[]): DocumentAction {
  switch (action) {
    case 'push':
      return push(rest);
    case 'retire':
      return retire(rest);
    case 'list':
      return list(rest);
    case 'stale':
      return stale(rest);
    default:
      throw new UsageError(`unknown documents action ${action ?? '(none)'}`);
  }
}

export const documentsCommand: Command = {
  name: 'documents',
  summary: "register client versions' operations (trusted documents), retire them, find stale ones",
  usage: [
    'documents push --client <name> --version <version> [--surface <surface>] <manifest.json>',
    'documents retire --client <name> --version <version>',
    'documents list [--json]',
    'documents stale [--days 30 | --since <iso>] [--json]',
    '(--surface defaults to the client name when it is a surface: web, mobile, partner-v1, partner-v2)',
  ].join('\n       '),
  async run(ctx) {
    const [action, ...rest] = ctx.args;
    // Misuse is refused before the store is chosen and opened: nothing was done.
    const act = actionOf(action, rest);
    const store = await openDocumentStore(ctx);
    try {
      await act(ctx, store);
    } finally {
      await store.close();
    }
  },
};
