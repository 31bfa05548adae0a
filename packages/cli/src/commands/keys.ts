import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createFailFastRedis, resolveStoreKind } from '@edge/common';
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

async function openStore({ config, log }: CommandContext): Promise<KeyStore> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, log);
  return kind === 'redis'
    ? createRedisKeyStore(createFailFastRedis(config.redis, { enableOfflineQueue: true }))
    : createFileKeyStore(join(config.dataDir, 'partner-keys.json'));
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

async function create(ctx: CommandContext, store: KeyStore, rest: string[]) {
  const { values } = parseArgs({
    args: rest,
    options: {
      partner: { type: 'string' },
      versions: { type: 'string' },
      tier: { type: 'string' },
      'expires-at': { type: 'string' },
    },
  });
  if (!values.partner) throw new UsageError('--partner is required');
  const expiresAt = values['expires-at'];
  if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) {
    throw new UsageError('--expires-at must be an ISO date');
  }
  const { key, record } = await createKey(store, {
    partnerId: values.partner,
    versions: versionsFrom(values.versions),
    tier: tierFrom(values.tier),
    expiresAt: expiresAt ? new Date(expiresAt).toISOString() : null,
  });
  ctx.log.info({ keyId: record.keyId, partner: record.partnerId }, 'key created; it is shown once');
  ctx.out(key);
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
    const store = await openStore(ctx);
    try {
      switch (action) {
        case 'create':
          return await create(ctx, store, rest);
        case 'list': {
          const rows = (await store.list()).map(({ secretHash: _hidden, ...visible }) => visible);
          ctx.list(rows, ['keyId', 'partnerId', 'versions', 'tier', 'createdAt', 'revokedAt']);
          return;
        }
        case 'rotate': {
          const { values, positionals } = parseArgs({
            args: rest,
            allowPositionals: true,
            options: { 'grace-s': { type: 'string' } },
          });
          const keyId = positionals[0];
          if (!keyId) throw new UsageError('rotate needs a keyId');
          const graceS = Number(values['grace-s'] ?? 86_400);
          if (!Number.isFinite(graceS) || graceS < 0)
            throw new UsageError('--grace-s must be >= 0');
          const { key, record } = await rotateKey(store, keyId, graceS * 1000);
          ctx.log.info({ oldKeyId: keyId, newKeyId: record.keyId, graceS }, 'key rotated');
          ctx.out(key);
          return;
        }
        case 'revoke': {
          const keyId = rest[0];
          if (!keyId) throw new UsageError('revoke needs a keyId');
          const record = await revokeKey(store, keyId);
          ctx.log.info({ keyId, revokedAt: record.revokedAt }, 'key revoked');
          return;
        }
        default:
          throw new UsageError(`unknown keys action ${action ?? '(none)'}`);
      }
    } finally {
      await store.close();
    }
  },
};
