import { join } from 'node:path';
import { createFailFastRedis } from '@edge/common';
import {
  type ApiVersion,
  createFileKeyStore,
  createKey,
  createRedisKeyStore,
  type KeyStore,
  revokeKey,
  rotateKey,
  type Tier,
} from '@edge/gateway';
import { type Command, type CommandContext, UsageError } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { chooseStore } from '../store-choice.js';

/** What an action does once the store is open; its arguments are parsed before. */
type KeyAction = (ctx: CommandContext, store: KeyStore) => Promise<void>;

async function openStore(ctx: CommandContext): Promise<KeyStore> {
  const file = join(ctx.config.dataDir, 'partner-keys.json');
  return (await chooseStore(ctx, 'partner keys', file)) === 'redis'
    ? createRedisKeyStore(createFailFastRedis(ctx.config.redis, { enableOfflineQueue: true }))
    : createFileKeyStore(file);
}

function versionsFrom(raw: string | undefined): ApiVersion[] {
  const versions = (raw ?? 'v1').split(',').map((v) => v.trim());
  for (const v of versions) {
    if (v !== 'v1' && v !== 'v2') throw new UsageError(`unknown API version ${v}`);
  }
  return versions as ApiVersion[];
}

function tierFrom(raw: string | undefined): Tier {
  const tier = raw ?? 'free';
  if (tier !== 'free' && tier !== 'pro') throw new UsageError('--tier must be free or pro');
  return tier;
}

function create(rest: string[]): KeyAction {
  const { values } = parseOptions(rest, {
    partner: { type: 'string' },
    versions: { type: 'string' },
    tier: { type: 'string' },
    'expires-at': { type: 'string' },
  });
  if (!values.partner) throw new UsageError('--partner is required');
  const expiresAt = values['expires-at'];
  if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) {
    throw new UsageError('--expires-at must be an ISO date');
  }
  // A key dead on arrival would be handed to a partner who then gets 401s.
  if (expiresAt !== undefined && Date.parse(expiresAt) <= Date.now()) {
    throw new UsageError('--expires-at must be in the future');
  }
  const input = {
    partnerId: values.partner,
    versions: versionsFrom(values.versions),
    tier: tierFrom(values.tier),
    expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null,
  };
  return async (ctx, store) => {
    const { key, record } = await createKey(store, input);
    ctx.log.info(
      { keyId: record.keyId, partner: record.partnerId },
      'key created; it is shown once',
    );
    ctx.out(key);
  };
}

function list(rest: string[]): KeyAction {
  parseOptions(rest, {});
  return async (ctx, store) => {
    const rows = (await store.list()).map(({ secretHash: _hidden, ...visible }) => visible);
    ctx.list(rows, ['keyId', 'partnerId', 'versions', 'tier', 'createdAt', 'revokedAt']);
  };
}

function rotate(rest: string[]): KeyAction {
  const { values, positionals } = parseOptions(rest, { 'grace-s': { type: 'string' } }, 1);
  const keyId = positionals[0];
  if (!keyId) throw new UsageError('rotate needs a keyId');
  const graceS = Number(values['grace-s'] ?? 86_400);
  if (!Number.isFinite(graceS) || graceS < 0) throw new UsageError('--grace-s must be >= 0');
  return async (ctx, store) => {
    const { key, record } = await rotateKey(store, keyId, graceS * 1000);
    ctx.log.info({ oldKeyId: keyId, newKeyId: record.keyId, graceS }, 'key rotated');
    ctx.out(key);
  };
}

function revoke(rest: string[]): KeyAction {
  const keyId = parseOptions(rest, {}, 1).positionals[0];
  if (!keyId) throw new UsageError('revoke needs a keyId');
  return async (ctx, store) => {
    const record = await revokeKey(store, keyId);
    ctx.log.info({ keyId, revokedAt: record.revokedAt }, 'key revoked');
  };
}

function actionOf(action: string | undefined, rest: string[]): KeyAction {
  switch (action) {
    case 'create':
      return create(rest);
    case 'list':
      return list(rest);
    case 'rotate':
      return rotate(rest);
    case 'revoke':
      return revoke(rest);
    default:
      throw new UsageError(`unknown keys action ${action ?? '(none)'}`);
  }
}

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list, rotate and revoke partner API keys',
  usage: [
    'keys create --partner <id> [--versions v1,v2] [--tier free|pro] [--expires-at <iso>]',
    'keys list [--json]',
    'keys rotate <keyId> [--grace-s 86400]',
    'keys revoke <keyId>',
  ].join('\n       '),
  async run(ctx) {
    const [action, ...rest] = ctx.args;
    // Misuse is refused before the store is chosen and opened: nothing was done.
    const act = actionOf(action, rest);
    const store = await openStore(ctx);
    try {
      await act(ctx, store);
    } finally {
      await store.close();
    }
  },
};
