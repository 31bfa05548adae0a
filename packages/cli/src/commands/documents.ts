import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError, ErrorCode } from '@edge/common';
import { type ClientVersion, type DocumentStore, parseManifest, versionKey } from '@edge/contracts';
import { SURFACE_NAMES } from '@edge/gateway';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { openDocumentStore } from '../contracts-store.js';

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

async function push(ctx: CommandContext, store: DocumentStore, rest: string[]) {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      client: { type: 'string' },
      version: { type: 'string' },
      surface: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!values.client || !values.version || !file) {
    throw new UsageError('push needs --client, --version and a manifest file');
  }
  const operations = readManifest(file);
  const surface = surfaceFor(values.client, values.surface);
  await store.push({ client: values.client, version: values.version, surface }, operations);
  ctx.say(
    `pushed ${operations.length} operation(s) for ${versionKey(values.client, values.version)} on ${surface}`,
  );
}

async function retire(ctx: CommandContext, store: DocumentStore, rest: string[]) {
  const { values } = parseArgs({
    args: rest,
    options: { client: { type: 'string' }, version: { type: 'string' } },
  });
  if (!values.client || !values.version)
    throw new UsageError('retire needs --client and --version');
  const record = await store.retire(values.client, values.version);
  if (!record) {
    throw new AppError(
      ErrorCode.NOT_FOUND,
      `${versionKey(values.client, values.version)} was never pushed`,
    );
  }
  ctx.say(`retired ${versionKey(values.client, values.version)} at ${record.retiredAt}`);
}

/**
 * Live versions nobody ran for `--days` (default 30) or since `--since <iso>`: last seen
 * before then, or never seen and pushed before then (a version just pushed is not stale yet).
 */
async function stale(ctx: CommandContext, store: DocumentStore, rest: string[]) {
  const { values } = parseArgs({
    args: rest,
    options: { days: { type: 'string' }, since: { type: 'string' } },
  });
  const since = sinceOf(values.days, values.since);
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
    if (!['push', 'retire', 'list', 'stale'].includes(action ?? '')) {
      throw new UsageError(`unknown documents action ${action ?? '(none)'}`);
    }
    const store = await openDocumentStore(ctx);
    try {
      switch (action) {
        case 'push':
          return await push(ctx, store, rest);
        case 'retire':
          return await retire(ctx, store, rest);
        case 'stale':
          return await stale(ctx, store, rest);
        default:
          ctx.list((await store.versions()).map(row), [
            'client',
            'version',
            'surface',
            'operations',
            'pushedAt',
            'retiredAt',
          ]);
      }
    } finally {
      await store.close();
    }
  },
};
