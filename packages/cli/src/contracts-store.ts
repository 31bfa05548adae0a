import { join } from 'node:path';
import { createFailFastRedis } from '@edge/common';
import {
  createFileDocumentStore,
  createFileUsageStore,
  createRedisDocumentStore,
  createRedisUsageStore,
  type DocumentStore,
  type UsageStore,
} from '@edge/contracts';
import type { CommandContext } from './command.js';
import { chooseStore } from './store-choice.js';

/** The client-contracts store the gateway reads: Redis, or `.data/contracts/` when embedded. */
export async function openDocumentStore(ctx: CommandContext): Promise<DocumentStore> {
  const { config } = ctx;
  const dir = join(config.dataDir, 'contracts');
  return (await chooseStore(ctx, 'client contracts', dir)) === 'redis'
    ? createRedisDocumentStore(redisOf(ctx), config.contractsPrefix)
    : createFileDocumentStore(dir);
}

/** The partner usage the gateway records, from the same place. */
export async function openUsageStore(ctx: CommandContext): Promise<UsageStore> {
  const { config } = ctx;
  const dir = join(config.dataDir, 'contracts');
  return (await chooseStore(ctx, 'partner usage', dir)) === 'redis'
    ? createRedisUsageStore(redisOf(ctx), config.contractsPrefix)
    : createFileUsageStore(dir);
}

const redisOf = ({ config }: CommandContext) =>
  createFailFastRedis(config.redis, { enableOfflineQueue: true });
