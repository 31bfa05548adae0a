import { join } from 'node:path';
import { createFailFastRedis, resolveStoreKind } from '@edge/common';
import {
  createFileDocumentStore,
  createFileUsageStore,
  createRedisDocumentStore,
  createRedisUsageStore,
  type DocumentStore,
  type UsageStore,
} from '@edge/contracts';
import type { CommandContext } from './command.js';

/** The client-contracts store the gateway reads: Redis, or `.data/contracts/` when embedded. */
export async function openDocumentStore(ctx: CommandContext): Promise<DocumentStore> {
  const { config } = ctx;
  return (await onRedis(ctx))
    ? createRedisDocumentStore(redisOf(ctx), config.contractsPrefix)
    : createFileDocumentStore(join(config.dataDir, 'contracts'));
}

/** The partner usage the gateway records, from the same place. */
export async function openUsageStore(ctx: CommandContext): Promise<UsageStore> {
  const { config } = ctx;
  return (await onRedis(ctx))
    ? createRedisUsageStore(redisOf(ctx), config.contractsPrefix)
    : createFileUsageStore(join(config.dataDir, 'contracts'));
}

const onRedis = async ({ config, log }: CommandContext) =>
  (await resolveStoreKind(config.storeMode, config.redis, log)) === 'redis';

const redisOf = ({ config }: CommandContext) =>
  createFailFastRedis(config.redis, { enableOfflineQueue: true });
